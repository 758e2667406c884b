"""Settings for the test suite: the real settings, on a throw-away data directory.

The data directory is set in the environment (not only here) so that the processes the tests
start (daphne, db_worker) inherit it and share the test database file and stored torrents.
"""

import os
import tempfile

os.environ.setdefault("TORRENTSMITH_DATA_DIR", tempfile.mkdtemp(prefix="torrentsmith-test-"))
os.environ["DJANGO_SETTINGS_MODULE"] = "tests.settings"

from config.settings import *  # noqa: F403
from config.settings import LOGGING, MIDDLEWARE

# Fast hashing: the suite creates hundreds of users; the real hasher is for real passwords.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# Jobs: a dead worker's lease runs out in seconds, not the production half-minute.
JOB_LEASE_S = 3
JOB_RECOVER_INTERVAL_S = 1
JOB_UNREACHABLE_GIVE_UP_S = 60
JOB_LOCAL_FALLBACK_AFTER_S = 2
JOB_QUEUE_FULL_RETRY_S = 1

# Every answer and log line is recorded, to prove no secret is in any (tests/zz_final/).
MIDDLEWARE = [*MIDDLEWARE, "tests.harness.leaks.ResponseRecorder"]
LOGGING["handlers"]["leak_check"] = {"()": "tests.harness.leaks.LogRecorder"}
LOGGING["root"]["handlers"] = [*LOGGING["root"]["handlers"], "leak_check"]
