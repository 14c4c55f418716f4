"""`partnerbot match "TEXT" [--top N] [--json]`: the ranking /findpartner shows, on the command line."""

from __future__ import annotations

from datetime import UTC, datetime
from collections.abc import Callable
from typing import TextIO

from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError

from bot import jsonout
from bot.config import Settings
from bot.matching.directory import Directory
from bot.matching.scorer import Ranking
from bot.text import strip_controls


def match_cli(settings: Settings, engine: Engine, text: str, *, top: int, as_json: bool, out: TextIO,
              migrate: Callable[[Engine], object] | None = None, save_index: bool = False) -> int:
    """`migrate`: called when the database is not migrated (yet), before one more try.
    `save_index`: save the built index whatever its size, for the next call (`partnerbot match`:
    a process per ask, and loading the index beats building it again); the save finishes here."""
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
    if as_json:
        out.write(jsonout.dumps([m.as_dict(ranking.ask) for m in ranking.matches], ensure_ascii=False, indent=2) + "\n")
    else:
        out.write(strip_controls(format_table(ranking)) + "\n")  # no escape sequence reaches a terminal
    return 0


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
