"""The planner, the tracker validator, byte sizes and preset departures are plain Python: no
Django imports."""

import subprocess
import sys
from pathlib import Path

PURE = ["presets.planner", "presets.trackers", "presets.sizes", "presets.departures"]
REPO = Path(__file__).resolve().parents[2]


def test_the_pure_modules_import_nothing_from_django():
    probe = (
        f"import sys; import {', '.join(PURE)}; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'django'))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, env={}, cwd=REPO
    )
    assert result.stdout.strip() == "[]"
