"""The composition root (partnerbot/): the app is assembled where the command line starts it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_python_m_partnerbot_is_the_command_line():
    done = subprocess.run([sys.executable, "-m", "partnerbot", "--help"], cwd=ROOT, capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0
    assert "serve" in done.stdout and "import-partners" in done.stdout


def test_bot_cli_alone_cannot_serve_and_says_where_to(capsys, monkeypatch, tmp_path):
    from bot.cli import main

    monkeypatch.chdir(tmp_path)  # no .env here
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-1")
    monkeypatch.setenv("SLACK_SIGNING_SECRET", "secret")
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/bot.db")
    assert main(["serve"]) == 2  # bot/ cannot register the listeners (handlers/ is above it)
    assert "python -m partnerbot serve" in capsys.readouterr().err
