"""Helpers shared by the promise tests: side effects seen at the fake Slack and in the database."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlmodel import SQLModel

# Reads that Bolt makes by itself (auth.test, once, cached): not a side effect of the request.
READ_ONLY_METHODS = {"auth.test"}


def effect_calls(fake) -> list:
    """Every Web API call and response_url post that changes something in Slack."""
    calls = [c for c in fake.calls if c.method not in READ_ONLY_METHODS]
    return calls + list(fake.responses)


def table_counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {t.name: conn.execute(select(func.count()).select_from(t)).scalar_one()
                for t in SQLModel.metadata.sorted_tables}


# Bookkeeping, not a trace of a request: the change sequences' counter rows (models/changes.py),
# made when the schema is upgraded.
BOOKKEEPING_TABLES = {"change_counter"}


def nonempty_tables(engine: Engine) -> dict[str, int]:
    return {name: n for name, n in table_counts(engine).items() if n and name not in BOOKKEEPING_TABLES}
