"""Issue 13.11: command-line and file edges — huge headers and cells, absurd --at, missing
credentials, Slack unreachable, rules files that are devices, FIFOs or too long, and control
characters on the operator's terminal."""

from __future__ import annotations

import io
import os
import socket

import pytest

from bot.cli import main
from bot.config import ConfigError, Settings
from bot.csv_io import export_partners_cli, import_partners_cli, parse_rows
from tests import scenarios as S
from tests.conftest import BOT_TOKEN


@pytest.fixture
def cli_env(monkeypatch, sqlite_url):
    """The CLI's environment: only what each test sets (no .env file)."""
    for name in ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN", "SLACK_API_BASE_URL",
                 "DIGEST_CHANNEL", "APPROVALS_CHANNEL", "PARTNERBOT_MANAGERS", "RULES_OF_ENGAGEMENT_FILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    return monkeypatch


def run(*argv: str) -> int:
    return main(["--env-file", "/nonexistent/.env", *argv])


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# -- CSV ---------------------------------------------------------------------------------------
def test_a_million_unknown_columns_make_one_warning_line():
    header = "company," + ",".join(f"x{i}" for i in range(1_000_000))
    result = parse_rows(header + "\nAcme" + "," * 1_000_000 + "\n")
    assert len(result.warnings) == 1
    assert len(result.warnings[0]) < 1000 and "999,990 more" in result.warnings[0]
    assert [r.values["name"] for r in result.rows] == ["Acme"]


def test_a_huge_cell_is_reported_as_too_long_and_the_rest_imports(sqlite_engine, tmp_path):
    path = tmp_path / "partners.csv"
    path.write_text("company,description\nFirst,ok\nHuge," + "d" * 200_000 + "\nLast,ok\n", encoding="utf-8")
    err = io.StringIO()
    assert import_partners_cli(sqlite_engine, str(path), quiet=True, out=io.StringIO(), err=err) == 1
    assert "line 3: a field is too long" in err.getvalue()
    assert "broken quoting" not in err.getvalue()
    assert "2 created" not in err.getvalue()  # the summary goes to out


# -- jobs and digest ------------------------------------------------------------------------------
@pytest.mark.parametrize("at", ["0001-01-01", "9999-12-31T23:59:59", "1900-01-01"])
def test_an_absurd_at_is_refused_cleanly(cli_env, capsys, at):
    cli_env.setenv("SLACK_BOT_TOKEN", BOT_TOKEN)
    with pytest.raises(SystemExit) as exit_:
        run("jobs", "run-due", "--at", at)
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert "outside the years" in err and "Traceback" not in err


def test_jobs_without_a_bot_token_is_a_configuration_error(cli_env, capsys):
    assert run("jobs", "run-due", "--at", "2999-01-01") == 2
    err = capsys.readouterr().err
    assert "SLACK_BOT_TOKEN is required by `partnerbot jobs run-due`" in err


def test_digest_post_with_slack_unreachable_says_so_without_a_traceback(cli_env, capsys):
    cli_env.setenv("SLACK_BOT_TOKEN", BOT_TOKEN)
    cli_env.setenv("SLACK_API_BASE_URL", f"http://127.0.0.1:{closed_port()}/api/")
    cli_env.setenv("DIGEST_CHANNEL", "C0DIGEST01")
    assert run("digest", "--post") == 1
    err = capsys.readouterr().err
    assert "could not reach Slack" in err
    assert "Traceback" not in err


# -- the rules file ---------------------------------------------------------------------------------
def test_rules_file_that_is_a_device_a_fifo_or_huge_is_refused_at_start(tmp_path):
    fifo = tmp_path / "rules.fifo"
    os.mkfifo(fifo)
    huge = tmp_path / "huge.txt"
    with open(huge, "wb") as fh:
        fh.truncate(100 * 1024 * 1024)  # sparse: 100 MB without writing them
    for path, why in (("/dev/zero", "not a regular file"), (str(fifo), "not a regular file"),
                      (str(huge), "too large")):
        with pytest.raises(ConfigError, match=why):
            Settings.from_mapping({"RULES_OF_ENGAGEMENT_FILE": path})


def test_rules_longer_than_the_pinned_message_are_refused_at_start(tmp_path):
    rules = tmp_path / "rules.txt"
    rules.write_text("Share leads fairly & <always> be kind. " * 80, encoding="utf-8")
    with pytest.raises(ConfigError, match="too long"):
        Settings.from_mapping({"RULES_OF_ENGAGEMENT_FILE": str(rules)})
    rules.write_text("Share leads fairly. " * 100, encoding="utf-8")  # 2,000 characters: fine
    assert Settings.from_mapping({"RULES_OF_ENGAGEMENT_FILE": str(rules)}).rules_of_engagement


# -- the operator's terminal --------------------------------------------------------------------------
def test_control_characters_never_reach_the_terminal(sqlite_engine):
    from bot.matching.cli import match_cli

    S.seed_company(sqlite_engine, name="Evil\x1b[2J\x1b]0;pwned\x07 UC", user="U0EVIL001",
                   description="uc\x1b[31m red")
    out = io.StringIO()
    assert match_cli(Settings(), sqlite_engine, "unified communications installation\x1b[5m", top=5,
                     as_json=False, out=out) == 0
    assert "Evil" in out.getvalue()
    assert "\x1b" not in out.getvalue() and "\x07" not in out.getvalue()
    exported = io.StringIO()
    assert export_partners_cli(sqlite_engine, "-", out=exported) == 0
    assert "Evil" in exported.getvalue() and "\x1b" not in exported.getvalue()
