"""`partnerbot match "TEXT" [--top N] [--json]`: the ranking /findpartner shows, on the command line."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, TextIO

from bot import jsonout
from bot.config import Settings
from bot.matching.scorer import Ranking
from bot.text import strip_controls

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine


def match_saved(settings: Settings, text: str, *, top: int, as_json: bool, out: TextIO) -> int | None:
    """`partnerbot match` run again on a SQLite database whose index the last call saved and
    which nothing has changed since (the change sequence says so): the saved index is the
    directory as it is, so the ranking needs only the open-introduction counts. Two reads over
    Python's sqlite3 and no SQLAlchemy (a fifth of such a call). None: not that case; the
    caller takes `match_cli`'s path, which reads, applies changes and saves through SQLAlchemy."""
    from bot.matching import persist
    from models import sqlite_reads

    file = sqlite_reads.database_file(settings.database_url)
    path = persist.index_path(settings.database_url) if file is not None else None
    if path is None or not path.exists():
        return None
    conn = sqlite_reads.connect_existing(file)
    if conn is None:
        return None
    try:
        seqs = sqlite_reads.current(conn)
        if sqlite_reads.DATABASE not in seqs:
            return None
        loaded = persist.load_index(path, seqs[sqlite_reads.DATABASE], quiet=True)
        if loaded is None or loaded[1] != seqs.get(sqlite_reads.COMPANY, 0):
            return None
        counts = sqlite_reads.open_intro_counts(conn)
    except Exception:  # noqa: BLE001 - not migrated, locked, anything: the usual path will say
        return None
    finally:
        conn.close()
    from bot.matching.asks import parse_ask
    from bot.matching.scorer import rank

    index = loaded[0]
    text = strip_controls(text)
    # What Directory.rank does with a snapshot that needs no change (bot/matching/directory.py).
    ranking = rank(index, parse_ask(text, index), today=datetime.now(UTC).date(), open_counts=counts,
                   max_open=settings.max_open_intros, top=max(top, 0))
    _print(ranking, as_json=as_json, out=out)
    return 0


def match_cli(settings: Settings, engine: Engine, text: str, *, top: int, as_json: bool, out: TextIO,
              migrate: Callable[[Engine], object] | None = None, save_index: bool = False) -> int:
    """`migrate`: called when the database is not migrated (yet), before one more try.
    `save_index`: save the built index whatever its size, for the next call (`partnerbot match`:
    a process per ask, and loading the index beats building it again); the save finishes here."""
    from sqlalchemy.exc import DBAPIError

    from bot.matching.directory import Directory

    text = strip_controls(text)  # nor do stored names: the table below is stripped too
    def ranking_of(engine: Engine) -> Ranking:
        directory = Directory(engine, persist_from=1) if save_index else Directory(engine)
        ranking = directory.rank(text, today=datetime.now(UTC).date(), max_open=settings.max_open_intros,
                                 top=max(top, 0))
        if directory.saving is not None:
            directory.saving.join()
        return ranking

    try:
        ranking = ranking_of(engine)
    except DBAPIError:
        if migrate is None:
            raise
        migrate(engine)
        ranking = ranking_of(engine)
    _print(ranking, as_json=as_json, out=out)
    return 0


def _print(ranking: Ranking, *, as_json: bool, out: TextIO) -> None:
    if as_json:
        out.write(jsonout.dumps([m.as_dict(ranking.ask) for m in ranking.matches], ensure_ascii=False, indent=2) + "\n")
    else:
        out.write(strip_controls(format_table(ranking)) + "\n")  # no escape sequence reaches a terminal


def format_table(ranking: Ranking, *, width: int = 100) -> str:
    """A readable table: rank, score, company, type, reasons (wrapped)."""
    lines = [f"Ask: {ranking.ask.text}"]
    if len(ranking.ask.needs) > 1:
        lines.append("Needs: " + " | ".join(ranking.needs))
    if ranking.ask.places:
        lines.append("Places: " + ", ".join(p.name for p in ranking.ask.places))
    if not ranking.strong:
        lines.append("  No partner matches this ask well enough (recorded as unmet demand in Slack).")
        if not ranking.leads:
            return "\n".join(lines)
        lines.append("  No strong match — closest leads:")
    lines.append(f"  {'#':>2}  {'score':>5}  {'company':<32} {'type':<26} reasons")
    for n, m in enumerate(ranking.matches, 1):
        reasons = "; ".join(m.reasons)
        lines.append(f"  {n:>2}  {m.score:>5.1f}  {m.company[:32]:<32} {m.partner_type[:26]:<26} {reasons}")
    if len(ranking.ask.needs) > 1:
        lines.append("  Who covers which part:")
        for need, covering in ranking.coverage():
            names = ", ".join(m.company for m in covering[:2]) or "nobody yet"
            lines.append(f"    - {need}: {names}")
    return "\n".join(lines)
