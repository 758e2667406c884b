.PHONY: run test lint

run:      ## install and run the app on the embedded default (SQLite), port 8094
	bash scripts/run.sh

test:     ## install the app, the real services the tests drive, and run the whole suite
	bash scripts/test.sh

lint:
	bash scripts/venv.sh && .venv/bin/ruff check . && .venv/bin/ruff format --check .
