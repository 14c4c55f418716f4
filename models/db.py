"""Engines, sessions and migrations (importing it registers every table)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy.engine import Engine
from sqlmodel import Session

import models
from models.changes import install_triggers
from models.engine import MIGRATION_TIMEOUTS, DbTimeouts, make_engine

models.load_all()  # every table on SQLModel.metadata: sessions, create_all and migrations see them all

__all__ = ["MIGRATION_TIMEOUTS", "DbTimeouts", "alembic_config", "make_engine", "session_scope", "upgrade"]

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """A session that commits on success and rolls back on error."""
    with Session(engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


def alembic_config(url: str):
    from alembic.config import Config  # alembic is imported by the commands that migrate only

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(engine: Engine) -> None:
    """Apply every migration to the database behind `engine` (idempotent).

    Migrations may rightly run longer than a request's statement timeout: their own engine."""
    from alembic import command

    url = engine.url.render_as_string(hide_password=False)
    cfg = alembic_config(url)
    own = make_engine(url, pool_size=1, timeouts=MIGRATION_TIMEOUTS) if engine.dialect.name == "postgresql" else None
    try:
        with (own or engine).begin() as connection:
            cfg.attributes["connection"] = connection
            command.upgrade(cfg, "head")
            install_triggers(connection)
    finally:
        if own is not None:
            own.dispose()
