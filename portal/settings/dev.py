"""`make run`: embedded SQLite, console e-mail, DEBUG on.

Staff MFA is relaxed here (TRADECOUNTER_REQUIRE_STAFF_MFA defaults to off) so the printed demo
logins reach the back office at once; production.py always enforces it.
"""

import os

from .base import *  # noqa: F403
from .base import VAR_DIR, env_bool

DEBUG = env_bool("DEBUG", True)
SECRET_KEY = os.environ.get("SECRET_KEY") or "dev-only-not-secret-tradecounter-make-run"
TRADECOUNTER_REQUIRE_STAFF_MFA = env_bool("TRADECOUNTER_REQUIRE_STAFF_MFA", False)
# Demo users are created verified; new sign-ups still verify by the link printed on the console.
VAR_DIR.mkdir(parents=True, exist_ok=True)
STATIC_ROOT = None
WHITENOISE_USE_FINDERS = True
