# Torrentsmith: web server by default; run the worker from the same image with
#   python manage.py db_worker --no-reload
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    DJANGO_SETTINGS_MODULE=config.settings \
    TORRENTSMITH_DATA_DIR=/data \
    TORRENTSMITH_PORT=8094

WORKDIR /app
COPY pyproject.toml requirements.lock ./
# Only the app's own dependencies (not the test tools), at the versions requirements.lock pins.
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml','rb'))['project']['dependencies']))" > /tmp/requirements.txt \
 && pip install --no-cache-dir -c requirements.lock -r /tmp/requirements.txt \
 && rm /tmp/requirements.txt

COPY manage.py ./
COPY config ./config
COPY accounts ./accounts
COPY browser ./browser
COPY presets ./presets
COPY creator ./creator
COPY scripts/build-native.sh ./scripts/
# The C extensions (scripts/build-native.sh): creator/_multihash hashes several messages side
# by side (SHA instructions or AVX-512); browser/_listing makes a large folder's entries.
RUN apt-get update && apt-get install -y --no-install-recommends gcc libc6-dev \
 && bash scripts/build-native.sh python \
 && apt-get purge -y --auto-remove gcc libc6-dev && rm -rf /var/lib/apt/lists/*
COPY rollout ./rollout
COPY templates ./templates
COPY static ./static

RUN useradd --system --uid 1000 --user-group --home-dir /app torrentsmith \
 && mkdir -p /data && chown torrentsmith:torrentsmith /data
USER torrentsmith
VOLUME ["/data"]
EXPOSE 8094

HEALTHCHECK --interval=30s --timeout=5s \
  CMD python -c "import urllib.request,os; urllib.request.urlopen('http://127.0.0.1:%s/login/' % os.environ['TORRENTSMITH_PORT'], timeout=4)"

CMD ["sh", "-c", "python manage.py migrate --noinput && python manage.py ensure_admin && python manage.py ensure_instance && python manage.py ensure_flags && exec daphne -b 0.0.0.0 -p \"$TORRENTSMITH_PORT\" config.asgi:application"]
