"""Settings: defaults, parsing, and one clear line naming a missing or malformed value."""

from __future__ import annotations

import subprocess
import sys

import pytest

from bot.config import ConfigError, Settings


def test_defaults_follow_the_contract():
    s = Settings.from_mapping({})
    assert s.slack_api_base_url == "https://slack.com/api/"
    assert s.database_url == "sqlite:///partnerbot.db"
    assert s.port == 3000
    assert s.digest_cron == "0 9 * * MON"
    assert s.digest_tz == "UTC"
    assert s.followup_days == 14
    assert s.max_open_intros == 3
    assert s.managers == frozenset()
    assert not s.socket_mode


def test_every_default_is_what_its_parser_makes_of_it():
    # Defaults are not parsed at load (validate_default=False): each must be valid as written.
    from bot.config import _PARSERS

    for name, parse in _PARSERS.items():
        default = Settings.model_fields[name].default
        if isinstance(default, str):
            assert parse(default) == default, name
    assert set(_PARSERS) <= set(Settings.model_fields)


def test_values_are_parsed():
    s = Settings.from_mapping({
        "SLACK_BOT_TOKEN": "xoxb-1", "SLACK_APP_TOKEN": "xapp-1", "PORT": "8080",
        "PARTNERBOT_MANAGERS": "U01, U02 ,", "SLACK_API_BASE_URL": "http://127.0.0.1:9/api",
        "FOLLOWUP_DAYS": "7", "MAX_OPEN_INTROS": "5", "DIGEST_TZ": "America/Phoenix",
    })
    assert s.port == 8080 and s.socket_mode
    assert s.managers == {"U01", "U02"}
    assert s.is_manager("U01") and not s.is_manager("U03") and not s.is_manager(None)
    assert s.slack_api_base_url == "http://127.0.0.1:9/api/"
    assert (s.followup_days, s.max_open_intros, s.digest_tz) == (7, 5, "America/Phoenix")


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"PORT": "eighty"}, "PORT"),
        ({"PORT": "70000"}, "PORT"),
        ({"FOLLOWUP_DAYS": "-1"}, "FOLLOWUP_DAYS"),
        ({"MAX_OPEN_INTROS": "0"}, "MAX_OPEN_INTROS"),
        ({"DIGEST_CRON": "every monday"}, "DIGEST_CRON"),
        ({"DIGEST_TZ": "Mars/Olympus"}, "DIGEST_TZ"),
        ({"PARTNERBOT_MANAGERS": "alice"}, "PARTNERBOT_MANAGERS"),
        ({"APPROVALS_CHANNEL": "#approvals"}, "APPROVALS_CHANNEL"),
        ({"DIGEST_CHANNEL": "digest"}, "DIGEST_CHANNEL"),
        ({"SLACK_BOT_TOKEN": "xoxp-user"}, "SLACK_BOT_TOKEN"),
        ({"SLACK_APP_TOKEN": "xoxb-1"}, "SLACK_APP_TOKEN"),
        ({"SLACK_API_BASE_URL": "slack"}, "SLACK_API_BASE_URL"),
        ({"DATABASE_URL": "not a url"}, "DATABASE_URL"),
        ({"RULES_OF_ENGAGEMENT_FILE": "/nonexistent/rules.txt"}, "RULES_OF_ENGAGEMENT_FILE"),
    ],
)
def test_malformed_value_names_the_variable(env, named):
    with pytest.raises(ConfigError) as err:
        Settings.from_mapping(env)
    message = str(err.value)
    assert message.startswith(named)
    assert "\n" not in message


def test_serve_requires_tokens():
    with pytest.raises(ConfigError, match="^SLACK_BOT_TOKEN"):
        Settings.from_mapping({}).require_for_serve()
    with pytest.raises(ConfigError, match="^SLACK_SIGNING_SECRET"):
        Settings.from_mapping({"SLACK_BOT_TOKEN": "xoxb-1"}).require_for_serve()
    Settings.from_mapping({"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_APP_TOKEN": "xapp-1"}).require_for_serve()


def test_rules_file_is_read(tmp_path):
    rules = tmp_path / "rules.txt"
    rules.write_text("Be kind. Share leads fairly.\n")
    s = Settings.from_mapping({"RULES_OF_ENGAGEMENT_FILE": str(rules)})
    assert s.rules_of_engagement == "Be kind. Share leads fairly."


def test_env_file_is_read_under_the_environment(tmp_path):
    env_file = tmp_path / ".env"
    env_file.write_text("PORT=4000\nFOLLOWUP_DAYS=3\n")
    s = Settings.load(environ={"PORT": "5000"}, env_file=env_file)
    assert s.port == 5000  # the environment wins
    assert s.followup_days == 3


@pytest.mark.slow  # a subprocess
def test_cli_stops_with_one_line_naming_the_setting(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-m", "bot", "serve"],
        env={"PATH": "/usr/bin:/bin", "PORT": "not-a-port", "HOME": str(tmp_path)},
        cwd=tmp_path, capture_output=True, text=True, timeout=60,
    )
    assert proc.returncode == 2
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert lines == ["partnerbot: configuration error: PORT is malformed: 'not-a-port' is not a whole number"]


@pytest.mark.slow  # a subprocess
def test_cli_serve_without_token_names_it(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-m", "bot", "serve"],
        env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)},
        cwd=tmp_path, capture_output=True, text=True, timeout=60,
    )
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines()[-1].startswith("partnerbot: configuration error: SLACK_BOT_TOKEN")


def test_secrets_are_not_in_the_settings_repr():
    s = Settings.from_mapping({"SLACK_BOT_TOKEN": "xoxb-secret-1", "SLACK_SIGNING_SECRET": "sig-secret-2",
                               "DATABASE_URL": "postgresql+psycopg://u:pw-secret-3@db/x"})
    shown = repr(s) + str(s)
    assert s.slack_bot_token == "xoxb-secret-1"
    for secret in ("xoxb-secret-1", "sig-secret-2", "pw-secret-3"):
        assert secret not in shown


def test_process_environment_wins_over_the_env_file(tmp_path, monkeypatch):
    env_file = tmp_path / ".env"
    env_file.write_text("PORT=5000\nFOLLOWUP_DAYS=9\nPARTNERBOT_MANAGERS=U0AAA,U0BBB\n")
    monkeypatch.setenv("PORT", "6000")
    s = Settings.load(env_file=env_file)
    assert (s.port, s.followup_days, s.managers) == (6000, 9, {"U0AAA", "U0BBB"})
    monkeypatch.setenv("FOLLOWUP_DAYS", "soon")
    with pytest.raises(ConfigError, match=r"^FOLLOWUP_DAYS is malformed: 'soon'"):
        Settings.load(env_file=env_file)


def test_every_variable_is_documented_in_the_readme():
    from pathlib import Path

    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    names = [f.validation_alias for f in Settings.model_fields.values() if f.validation_alias.isupper()]
    assert len(names) >= 20
    assert [n for n in names if f"`{n}`" not in readme] == []


def test_a_plain_sqlite_url_is_taken_without_sqlalchemy_as_sqlalchemy_would():
    """`sqlite:///<path>` is accepted without parsing it with SQLAlchemy (so `partnerbot match` on
    SQLite need not import it): SQLAlchemy takes every such URL too."""
    from sqlalchemy.engine import make_url

    for url in ("sqlite:///partnerbot.db", "sqlite:////var/lib/partnerbot/pb.db", "sqlite:///a b#c.db",
                "sqlite:///ü/ñ.db", "sqlite:///C:\\data\\pb.db", "sqlite:///:memory:x"):
        assert make_url(url).get_backend_name() == "sqlite"
        assert Settings.from_mapping({"DATABASE_URL": url}).database_url == url
    with pytest.raises(ConfigError, match="DATABASE_URL is malformed"):
        Settings.from_mapping({"DATABASE_URL": "sqlite:/one-slash.db"})
