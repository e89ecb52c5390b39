import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from supportdesk.env import env_bool, env_int, env_list

BASE_DIR = Path(__file__).resolve().parents[2]
PRODUCTION = {
    "DJANGO_DEBUG": "0",
    "SECRET_KEY": "k3x!f0r-tests-only-9s8d7f6g5h4j3k2l1qwertyuiopasdfghjklzxcvbnm",
    "ALLOWED_HOSTS": "support.example.com",
}


def manage(*args, env):
    # The browser tests set DJANGO_ALLOW_ASYNC_UNSAFE in this process; a deployment never has it.
    unset = ("DJANGO_DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "DJANGO_ALLOW_ASYNC_UNSAFE")
    clean = {k: v for k, v in os.environ.items() if k not in unset}
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=BASE_DIR, env={**clean, **env}, capture_output=True, text=True, timeout=120
    )


def test_production_mode_passes_the_deployment_checklist_without_warnings():
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_mode_refuses_to_start_without_a_secret_key():
    result = manage("check", env={**PRODUCTION, "SECRET_KEY": ""})

    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_a_misspelt_boolean_is_an_error_not_a_silent_default():
    result = manage("check", env={"DJANGO_DEBUG": "flase"})

    assert result.returncode != 0
    assert "DJANGO_DEBUG='flase' is not a boolean" in result.stderr


@pytest.mark.parametrize(("raw", "expected"), [("1", True), ("yes", True), ("ON", True), ("0", False), ("off", False), ("", True)])
def test_env_bool_reads_the_usual_spellings(monkeypatch, raw, expected):
    monkeypatch.setenv("SOME_FLAG", raw)
    assert env_bool("SOME_FLAG", True) is expected


def test_env_int_and_env_list(monkeypatch):
    monkeypatch.setenv("SOME_NUMBER", "12")
    monkeypatch.setenv("SOME_LIST", " a.example, b.example ,")
    assert env_int("SOME_NUMBER", 1) == 12
    assert env_list("SOME_LIST", []) == ["a.example", "b.example"]
    monkeypatch.setenv("SOME_NUMBER", "twelve")
    with pytest.raises(ImproperlyConfigured):
        env_int("SOME_NUMBER", 1)


def test_database_url_switches_the_database():
    result = manage(
        "shell", "-c", "from django.db import connection; print(connection.vendor, connection.settings_dict['NAME'])",
        env={"DATABASE_URL": "postgres://someone@db.example:5432/helpdesk"},
    )

    assert result.stdout.splitlines()[-1].split() == ["postgresql", "helpdesk"], result.stderr


def test_the_embedded_default_needs_no_server():
    clean = {"DATABASE_URL": "", "CELERY_BROKER_URL": ""}
    result = manage(
        "shell", "-c",
        "from django.conf import settings as s; from django.db import connection; "
        "print(connection.vendor, s.CELERY_BROKER_URL, s.EMAIL_BACKEND)",
        env=clean,
    )

    assert result.stdout.splitlines()[-1].split() == ["sqlite", "filesystem://localhost/", "django.core.mail.backends.console.EmailBackend"], result.stderr
