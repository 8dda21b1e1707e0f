"""Settings come from the environment through strict helpers: a bad value stops start-up, naming the variable."""

import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from breakthrough.env import env_bool, env_choice, env_int, env_list, env_str, env_url


@pytest.fixture
def environ(monkeypatch):
    def set_(**values):
        for name, value in values.items():
            monkeypatch.setenv(name, value)

    return set_


def test_unset_variables_give_the_default(monkeypatch):
    for name in ("BT_FLAG", "BT_NUMBER", "BT_LIST", "BT_MODE", "BT_URL", "BT_TEXT"):
        monkeypatch.delenv(name, raising=False)
    assert env_bool("BT_FLAG", True) is True
    assert env_int("BT_NUMBER", 7) == 7
    assert env_list("BT_LIST", ["a"]) == ["a"]
    assert env_choice("BT_MODE", "x", ("x", "y")) == "x"
    assert env_url("BT_URL", schemes=("redis",)) is None
    assert env_str("BT_TEXT", "fallback") == "fallback"


def test_good_values_are_parsed(environ):
    environ(BT_FLAG="Off", BT_NUMBER=" 12 ", BT_LIST="a.example, b.example,,", BT_MODE="y", BT_URL="redis://h:6379/1")
    assert env_bool("BT_FLAG", True) is False
    assert env_int("BT_NUMBER", 0, minimum=1) == 12
    assert env_list("BT_LIST", []) == ["a.example", "b.example"]
    assert env_choice("BT_MODE", "x", ("x", "y")) == "y"
    assert env_url("BT_URL", schemes=("redis",)) == "redis://h:6379/1"


@pytest.mark.parametrize(
    ("name", "value", "read"),
    [
        ("BT_FLAG", "maybe", lambda: env_bool("BT_FLAG", True)),
        ("BT_NUMBER", "twelve", lambda: env_int("BT_NUMBER", 0)),
        ("BT_NUMBER", "0", lambda: env_int("BT_NUMBER", 5, minimum=1)),
        ("BT_MODE", "staging", lambda: env_choice("BT_MODE", "x", ("x", "y"))),
        ("BT_URL", "mysql://db/x", lambda: env_url("BT_URL", schemes=("postgres",))),
        ("BT_TEXT", "  ", lambda: env_str("BT_TEXT", required=True)),
    ],
)
def test_a_bad_value_is_refused_naming_the_variable(environ, name, value, read):
    environ(**{name: value})
    with pytest.raises(ImproperlyConfigured, match=name):
        read()


SETTINGS_VARIABLES = ("DJANGO_", "DATABASE_URL", "REDIS_URL", "EMAIL_", "SITE_URL", "SQLITE_PATH", "CELERY_")


def _start(code="print(settings.DEBUG)", **variables) -> subprocess.CompletedProcess:
    """Start Django in a fresh interpreter with exactly these settings variables."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(SETTINGS_VARIABLES)}
    env.update(variables, DJANGO_SETTINGS_MODULE="breakthrough.settings")
    return subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); from django.conf import settings; {code}"],
        env=env,
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


PRODUCTION = {
    "DJANGO_ENV": "production",
    "DJANGO_SECRET_KEY": "s" * 60,
    "DJANGO_ALLOWED_HOSTS": "breakthrough.example",
    "DATABASE_URL": "postgres://u@db.example:5432/bt",
    "REDIS_URL": "redis://cache.example:6379/0",
    "EMAIL_URL": "smtp://mail.example:587",
    "SITE_URL": "https://breakthrough.example",
}


def test_production_starts_with_every_required_variable():
    result = _start(**PRODUCTION)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"


@pytest.mark.parametrize("missing", ["DJANGO_SECRET_KEY", "DJANGO_ALLOWED_HOSTS", "DATABASE_URL", "REDIS_URL"])
def test_production_refuses_to_start_without_a_required_variable(missing):
    variables = {k: v for k, v in PRODUCTION.items() if k != missing}
    result = _start(**variables)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert missing in result.stderr


def test_a_short_secret_key_or_debug_is_refused_in_production():
    short = _start(**{**PRODUCTION, "DJANGO_SECRET_KEY": "too-short"})
    assert short.returncode != 0
    assert "DJANGO_SECRET_KEY" in short.stderr
    debug = _start(**{**PRODUCTION, "DJANGO_DEBUG": "true"})
    assert debug.returncode != 0
    assert "DJANGO_DEBUG" in debug.stderr


def test_with_no_variables_it_runs_on_the_embedded_default():
    result = _start(
        "s = settings; print(s.DATABASES['default']['ENGINE'], s.CELERY_TASK_ALWAYS_EAGER, s.EMAIL_BACKEND, s.DEBUG)"
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "django.db.backends.sqlite3",
        "True",
        "django.core.mail.backends.console.EmailBackend",
        "True",
    ]
