"""Regenerate the initial schema migration from the models (pre-release only).

Until the first release one migration owns the whole schema; `make migration` rewrites it
from `models/` against an empty SQLite database.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from alembic import command

from models.db import MIGRATIONS_DIR, alembic_config

INITIAL = "0001"


def main() -> None:
    versions = MIGRATIONS_DIR / "versions"
    versions.mkdir(exist_ok=True)
    for old in versions.glob(f"{INITIAL}_*.py"):
        old.unlink()
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'empty.db'}"
        command.revision(alembic_config(url), message="schema", autogenerate=True, rev_id=INITIAL)
    print(f"wrote {next(versions.glob(f'{INITIAL}_*.py'))}")


if __name__ == "__main__":
    main()
