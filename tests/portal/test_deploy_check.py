"""Production settings pass Django's deployment checklist at WARNING level."""

import os
import subprocess
import sys
from pathlib import Path

from django.conf import settings


def _environment(**overrides) -> dict:
    # The browser tests' DJANGO_ALLOW_ASYNC_UNSAFE must not leak into production's checks.
    env = {key: value for key, value in os.environ.items() if key != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    return {**env, **overrides}


def test_production_settings_pass_check_deploy():
    env = {
        **_environment(),
        "DJANGO_SETTINGS_MODULE": "portal.settings.production",
        "SECRET_KEY": "k" * 20 + "-production-like-secret-key-for-the-deploy-check-only-" + "z" * 10,
        "DATABASE_URL": "postgres://tradecounter@db.internal:5432/tradecounter",
        "REDIS_URL": "redis://cache.internal:6379/0",
        "ALLOWED_HOSTS": "portal.example.com",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=Path(settings.BASE_DIR),
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_a_missing_secret_key():
    env = _environment(DJANGO_SETTINGS_MODULE="portal.settings.production", SECRET_KEY="")
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=Path(settings.BASE_DIR),
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr
