"""What the Slack handlers call: rank an ask for a user and record it (the Ask row)."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from sqlalchemy import func
from sqlmodel import select

from bot.context import BotContext
from bot.matching import persist
from bot.matching.directory import get_directory
from bot.matching.rankers import InProcessRanker, get_ranker, start_ranker
from bot.matching.scorer import Ranking
from models import reads
from models.asks import insert_ask
from models.company import Company
from models.db import session_scope

log = logging.getLogger(__name__)

DEFAULT_TOP = 5


@dataclass
class AskAnswer:
    ask_id: int
    ranking: Ranking
    # Shown partners with a Slack user (the others cannot be requested yet).
    linked: set[int] = field(default_factory=set)
    asker_has_profile: bool = False


WARM_UP_FROM = 5_000  # profiles; below this the first ask builds the index in well under a second


def warm_up(ctx: BotContext) -> None:
    """At start: choose where asks are ranked (bot/matching/rankers.py: a large directory in a
    worker process, which loads the index at once); ranking here, load the vocabulary and
    places in the background (no database work), and on a large directory build the index in
    the background too, so the first ask is fast."""
    try:
        with session_scope(ctx.engine) as session:
            count = session.exec(select(func.count()).select_from(Company)).one()
    except Exception:  # the database may be down at start: the first ask builds it
        log.warning("matching warm-up: cannot count profiles", exc_info=True)
        count = 0
    ranker = start_ranker(ctx.services, ctx.engine, ctx.settings, profiles=count)
    if isinstance(ranker, InProcessRanker):
        ctx.executor.submit(_warm, ctx, count >= WARM_UP_FROM)


def _warm(ctx: BotContext, build_index: bool) -> None:
    try:
        persist.matching_data()
        if build_index:
            get_directory(ctx.services, ctx.engine).sync()
    except Exception:  # the first ask does it instead
        log.warning("matching warm-up failed", exc_info=True)


def answer_ask(ctx: BotContext, *, user_id: str, text: str, industry: str | None = None, region: str | None = None,
               context: str | None = None, timing: str | None = None, top: int = DEFAULT_TOP) -> AskAnswer:
    """Two round trips to the database in SQLAlchemy Core: one read (the asker's company, the
    directory's change check) before ranking, one write (the Ask row, and which shown partners
    have a Slack user) after; no connection is held while the ask waits for a ranking slot."""
    ranker = get_ranker(ctx.services, ctx.engine)
    with ctx.engine.connect() as conn:
        own_id = reads.company_id_of_user(conn, user_id)
        state = ranker.state(conn)
    now = ctx.clock.now()
    ranking = ranker.rank(text, state=state, today=now.date(), exclude_company_id=own_id,
                          max_open=ctx.settings.max_open_intros, top=top, industry=industry, region=region)
    results = [
        {"company_id": m.company_id, "company": m.company, "score": m.score, "partner_type": m.partner_type,
         "reasons": m.reasons, "covers": [ranking.ask.needs[i].text for i in m.covers],
         "confidence": m.confidence}
        for m in ranking.matches
    ]
    with ctx.engine.begin() as conn:
        ask_id = insert_ask(conn, asker_user_id=user_id, company_id=own_id, text=text, needs=ranking.needs,
                            results=results, unmet=ranking.unmet, unmet_needs=ranking.unmet_needs, created_at=now,
                            industry=industry, region=region, context=context, timing=timing)
        linked = reads.companies_with_members(conn, [m.company_id for m in ranking.matches])
    return AskAnswer(ask_id=ask_id, ranking=ranking, linked=linked, asker_has_profile=own_id is not None)
