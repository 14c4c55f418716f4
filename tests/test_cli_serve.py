"""The command line as a user runs it: `db upgrade`, `import-partners`/`export-partners`, and
`serve` in HTTP mode (which migrates on start), each as a real subprocess."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from sqlalchemy import inspect

from models.db import make_engine, upgrade
from tests.conftest import BOT_TOKEN, SIGNING_SECRET, free_port
from tests.processes import child_pids

pytestmark = pytest.mark.slow  # each test runs `partnerbot` in a subprocess

REPO = Path(__file__).resolve().parents[1]
TABLES = {"company", "member", "ask", "introduction", "outcome", "audit_log", "digest_run", "alembic_version"}


def cli_env(db_url: str, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "PARTNERBOT_", "DIGEST_", "APPROVALS_"))}
    env.update({"DATABASE_URL": db_url, "PYTHONUNBUFFERED": "1"}, **extra)
    return env


def run_cli(*args: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "bot", *args], env=env, cwd=cwd, capture_output=True, text=True,
                          timeout=120)


def tables(db_url: str) -> set[str]:
    engine = make_engine(db_url)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_db_upgrade_creates_the_schema_and_is_idempotent(tmp_path):
    db_url = f"sqlite:///{tmp_path / 'fresh.db'}"
    env = cli_env(db_url, PYTHONPATH=str(REPO))
    first = run_cli("db", "upgrade", env=env, cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    assert "up to date" in first.stdout
    assert TABLES <= tables(db_url)
    second = run_cli("db", "upgrade", env=env, cwd=tmp_path)
    assert second.returncode == 0, second.stderr
    assert TABLES <= tables(db_url)


def test_import_and_export_commands(tmp_path):
    db_url = f"sqlite:///{tmp_path / 'cli.db'}"
    env = cli_env(db_url, PYTHONPATH=str(REPO))
    source = tmp_path / "in.csv"
    source.write_text("company,capacity,slack_user_id\nAcme,open,U0ACME001\nBad,sometimes,\n", encoding="utf-8")
    result = run_cli("import-partners", str(source), "--quiet", env=env, cwd=tmp_path)
    assert result.returncode == 1  # one bad row: reported, the rest imported
    assert "1 created, 0 updated, 0 unchanged, 1 errors" in result.stdout
    assert "line 3: capacity" in result.stderr
    out = tmp_path / "out.csv"
    result = run_cli("export-partners", str(out), env=env, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert out.read_text(encoding="utf-8").splitlines()[1] == "Acme,,,,,,,U0ACME001,open,,"
    missing = run_cli("import-partners", str(tmp_path / "nope.csv"), env=env, cwd=tmp_path)
    assert missing.returncode == 2 and "cannot import" in missing.stderr


def test_serve_http_migrates_and_answers_healthz(tmp_path, fake_slack):
    db_url = f"sqlite:///{tmp_path / 'serve.db'}"
    port = free_port()
    env = cli_env(db_url, PYTHONPATH=str(REPO), SLACK_BOT_TOKEN=BOT_TOKEN, SLACK_SIGNING_SECRET=SIGNING_SECRET,
                  SLACK_API_BASE_URL=fake_slack.api_url, PORT=str(port))
    assert not (tmp_path / "serve.db").exists()
    proc = subprocess.Popen([sys.executable, "-m", "bot", "serve"], env=env, cwd=tmp_path,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 60
        status = None
        while time.monotonic() < deadline:
            assert proc.poll() is None, f"serve exited early:\n{proc.stdout.read()}"
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as resp:
                    status = resp.status
                    body = resp.read()
                break
            except OSError:
                time.sleep(0.2)
        assert status == 200 and b'"ok":true' in body
        assert TABLES <= tables(db_url)  # serve applied the migrations on start
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def test_serve_with_a_ranking_worker_answers_and_stops_with_it(tmp_path, fake_slack):
    """The installed `partnerbot` script, as the container runs it, with RANKING_WORKERS=1: the
    worker process (spawned: it imports the script again) ranks /findpartner, and SIGTERM ends both."""
    from tests.matching_data import ASKER, tucson_directory
    from tests.slackrequests import SlackRequester

    db_url = f"sqlite:///{tmp_path / 'serve.db'}"
    engine = make_engine(db_url)
    upgrade(engine)
    tucson_directory(engine)
    engine.dispose()
    port = free_port()
    env = cli_env(db_url, PYTHONPATH=str(REPO), SLACK_BOT_TOKEN=BOT_TOKEN, SLACK_SIGNING_SECRET=SIGNING_SECRET,
                  SLACK_API_BASE_URL=fake_slack.api_url, PORT=str(port), RANKING_WORKERS="1",
                  PARTNERBOT_CACHE_DIR=str(tmp_path / "cache"))
    script = Path(sys.executable).with_name("partnerbot")
    proc = subprocess.Popen([str(script), "serve"], env=env, cwd=tmp_path, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    try:
        slack = SlackRequester(f"http://127.0.0.1:{port}", SIGNING_SECRET, fake_slack)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            assert proc.poll() is None, f"serve exited early:\n{proc.stdout.read()}"
            try:
                if slack.get("/healthz").status == 200:
                    break
            except OSError:
                time.sleep(0.2)
        assert slack.command("/findpartner", "cisco uc install in tucson", user_id=ASKER).status == 200
        answer = str(fake_slack.wait_for_response(timeout=60))
        assert "Calence" in answer
        workers = child_pids(proc.pid)
        assert workers, "no ranking worker process"
    finally:
        proc.terminate()
        try:
            out, _ = proc.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            out, _ = proc.communicate()
    assert "ranking in 1 worker process" in out
    assert "Traceback" not in out, out[-3000:]
    deadline = time.monotonic() + 10
    while any(Path(f"/proc/{pid}").exists() for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(Path(f"/proc/{pid}").exists() for pid in workers), "a worker outlived serve"


def test_serve_without_token_stops_with_one_clear_line(tmp_path):
    env = cli_env(f"sqlite:///{tmp_path / 'x.db'}", PYTHONPATH=str(REPO))
    result = run_cli("serve", env=env, cwd=tmp_path)
    assert result.returncode != 0
    assert "SLACK_BOT_TOKEN is required" in result.stderr
