"""The container files, tested where Docker cannot run: the compose file's configuration, the
Dockerfile's promises, and the entry point script run directly."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from sqlalchemy import inspect

from models.db import make_engine

ROOT = Path(__file__).resolve().parent.parent
ENTRYPOINT = ROOT / "docker" / "entrypoint.sh"


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_compose_runs_postgresql_a_single_migration_and_two_replicas_behind_the_proxy(compose):
    services = compose["services"]
    assert set(services) == {"db", "migrate", "bot-a", "bot-b", "proxy"}
    assert services["db"]["image"].startswith("postgres:") and services["db"]["healthcheck"]
    migrate = services["migrate"]
    assert migrate["command"] == ["db", "upgrade"] and migrate["restart"] == "no"
    assert migrate["depends_on"] == {"db": {"condition": "service_healthy"}}
    for name in ("bot-a", "bot-b"):
        bot = services[name]
        assert bot["image"] == migrate["image"] and "command" not in bot  # the image's CMD: serve
        assert bot["depends_on"] == {"migrate": {"condition": "service_completed_successfully"}}
        assert "/readyz" in " ".join(bot["healthcheck"]["test"])
        env = bot["environment"]
        assert env["DATABASE_URL"].startswith("postgresql+psycopg://") and "@db:5432/" in env["DATABASE_URL"]
        assert env["SLACK_BOT_TOKEN"].startswith("${SLACK_BOT_TOKEN:?")  # no token in the file
        grace = float(env["SHUTDOWN_GRACE_S"])
        assert float(bot["stop_grace_period"].rstrip("s")) > grace
    proxy = services["proxy"]
    assert proxy["ports"] == ["3000:8080"]
    assert proxy["depends_on"] == {"bot-a": {"condition": "service_healthy"}, "bot-b": {"condition": "service_healthy"}}
    conf = (ROOT / "docker" / "nginx.conf").read_text()
    upstream = re.search(r"upstream partnerbot \{(.*?)\}", conf, re.S).group(1)
    assert re.findall(r"server (\S+?):3000", upstream) == ["bot-a", "bot-b"]
    assert "listen 8080;" in conf and "proxy_pass http://partnerbot;" in conf


def test_dockerfile_is_slim_non_root_and_health_checked():
    text = (ROOT / "Dockerfile").read_text()
    assert re.search(r"^ARG BASE=python:3\.\d+-slim$", text, re.M)
    assert re.search(r"^USER partnerbot$", text, re.M)
    assert re.search(r"^HEALTHCHECK .*\n.*/healthz", text, re.M)
    assert 'ENTRYPOINT ["partnerbot-entrypoint"]' in text and 'CMD ["serve"]' in text
    copied = set(re.findall(r"^COPY (\S+)", text, re.M))
    assert {"partnerbot", "bot", "handlers", "models", "docker/entrypoint.sh"} <= copied
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert ".env" in ignored and ".venv" in ignored  # no secrets or local installs in the image


def _entrypoint(*args: str, **env: str) -> subprocess.CompletedProcess:
    bin_dir = str(Path(sys.executable).parent)
    full = {"PATH": f"{bin_dir}:/usr/bin:/bin", "HOME": os.environ.get("HOME", "/tmp"), "PYTHONPATH": str(ROOT),
            **env}
    return subprocess.run(["sh", str(ENTRYPOINT), *args], env=full, cwd=ROOT, capture_output=True, text=True,
                          timeout=120)


@pytest.mark.slow  # subprocesses
def test_entrypoint_waits_for_the_database_then_runs_the_command(tmp_path):
    url = f"sqlite:///{tmp_path / 'bot.db'}"
    done = _entrypoint("db", "upgrade", DATABASE_URL=url)
    assert done.returncode == 0, done.stderr
    assert "company" in inspect(make_engine(url)).get_table_names()

    down = _entrypoint("db", "upgrade", DATABASE_URL="postgresql+psycopg://bot:s3cret-pw@127.0.0.1:1/x",
                       DB_WAIT_S="1")
    assert down.returncode == 1
    lines = down.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("partnerbot: the database postgresql+psycopg://bot:***@127.0.0.1:1/x "
                                                   "did not answer within 1 s"), down.stderr
    assert "s3cret-pw" not in down.stderr

    other = _entrypoint("sh", "-c", "echo passed through")
    assert other.returncode == 0 and other.stdout == "passed through\n"
