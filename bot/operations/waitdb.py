"""`python -m bot.operations.waitdb`: wait until DATABASE_URL answers (at most DB_WAIT_S seconds,
default 60), for the container's entry point; exit 1 with one line naming the database if not."""

from __future__ import annotations

import os
import sys
import time

from sqlalchemy import text


def wait_for_database(url: str, wait_s: float) -> str | None:
    """None once `SELECT 1` succeeds; else the last error's one-line reason after `wait_s`."""
    from models.db import make_engine

    deadline = time.monotonic() + wait_s
    engine = make_engine(url)
    try:
        while True:
            try:
                with engine.connect() as conn:
                    conn.execute(text("SELECT 1"))
                return None
            except Exception as exc:  # not up yet: any connection error
                reason = f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
                if time.monotonic() >= deadline:
                    return reason
                engine.dispose()
                time.sleep(1.0)
    finally:
        engine.dispose()


def main() -> int:
    from bot.config import ConfigError, Settings

    try:
        settings = Settings.load(env_file=None)
        wait_s = float(os.environ.get("DB_WAIT_S", "60"))
    except (ConfigError, ValueError) as exc:
        print(f"partnerbot: configuration error: {exc}", file=sys.stderr)
        return 2
    from sqlalchemy.engine import make_url

    shown = make_url(settings.database_url).render_as_string(hide_password=True)
    reason = wait_for_database(settings.database_url, wait_s)
    if reason is not None:
        print(f"partnerbot: the database {shown} did not answer within {wait_s:g} s ({reason})", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
