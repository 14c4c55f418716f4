"""The introduction state machine: request, approve, decline, not a fit, outcome.

requested -> approved -> introduced -> closed        (closed once a follow-up answer is in)
requested -> declined
approved | introduced -> not_a_fit

Each change is a conditional UPDATE (rowcount checked) plus an audit row in one
transaction, so double clicks, Slack retries and replicas change the state once. The Slack
side effects live in `bot.introductions.effects` and run after the acknowledgement.
"""

from __future__ import annotations

import os
import re
import socket
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.exc import IntegrityError

from bot.context import BotContext
from models import audit
from models import intro_queries as q
from models.ask import Ask
from models.company import Capacity, Company, get_company, get_company_for_user, is_paused, member_user_ids
from models.db import session_scope
from models.introduction import MAX_DEAL_VALUE, Introduction, IntroState, OutcomeKind

WORKER = f"{socket.gethostname()}:{os.getpid()}"
# How long a worker holds the effects of one introduction before another may take over.
LEASE = timedelta(minutes=5)
ENTITY = "introduction"


def new_token() -> str:
    """A claim token: unique per claim, so two threads of one process never share a lease."""
    return f"{WORKER}:{uuid.uuid4().hex[:8]}"


@dataclass
class Result:
    ok: bool
    message: str
    intro_id: int | None = None
    token: str | None = None  # set when this call holds the lease on the follow-up effects
    created: bool = False


def _state_words(intro: Introduction) -> str:
    state = intro.state
    if state == IntroState.REQUESTED:
        return "is waiting for a vendor manager's approval"
    if state == IntroState.AWAITING_CONSENT:
        return f"was approved by <@{intro.decided_by}> and is waiting for the proposed partner to accept"
    if state == IntroState.CONSENT_DECLINED:
        return "was not taken up by the proposed partner for now"
    if state == IntroState.CONSENT_EXPIRED:
        return "closed without an answer from the proposed partner"
    if state == IntroState.APPROVED:
        return f"was approved by <@{intro.decided_by}>; the channel is being set up"
    if state == IntroState.INTRODUCED:
        return "was approved and the introduction has been made"
    if state == IntroState.DECLINED:
        return f"was declined by <@{intro.decided_by}>"
    if state == IntroState.NOT_A_FIT:
        return "was closed as not a fit"
    return "is closed"


def _match_entry(ask: Ask, company_id: int) -> dict:
    for entry in ask.results or []:
        if isinstance(entry, dict) and entry.get("company_id") == company_id:
            return entry
    return {}


# -- request -----------------------------------------------------------------------------
def request_intro(ctx: BotContext, *, ask_id: int, company_id: int, user_id: str) -> Result:
    """Record a request (once per ask and partner) or say why it cannot be made."""
    from bot.text import escape

    now = ctx.clock.now()
    with session_scope(ctx.engine) as session:
        ask = session.get(Ask, ask_id)
        if ask is None:
            return Result(False, "That search is no longer available. Please run `/findpartner` again.")
        if ask.asker_user_id != user_id:
            return Result(False, "Only the person who ran this search can request an introduction from it.")
        if not _match_entry(ask, company_id):  # a forged button value: only what the search showed
            return Result(False, "That partner was not among this search's results. Please run `/findpartner` again.")
        target = get_company(session, company_id=company_id)
        if target is None:
            return Result(False, "That partner is no longer in the directory.")
        name = f"*{escape(target.name)}*"
        existing = q.find_intro(session, ask_id=ask_id, target_company_id=company_id)
        if existing is not None:
            return Result(True, f"You already requested an introduction to {name} for this ask; "
                                f"it {_state_words(existing)}.", existing.id)
        requester = get_company_for_user(session, slack_user_id=user_id)
        if requester is None:
            return Result(False, "Create your company profile with `/partnerprofile` first, so the partner "
                                 "and the vendor managers know who you are.")
        if requester.id == target.id:
            return Result(False, "That is your own company.")
        if not member_user_ids(session, company_id=company_id) and not target.contact_emails:
            return Result(False, f"{name} has no Slack user linked yet — a vendor manager can link one; "
                                 "then you can request the introduction.")
        if is_paused(target, today=now.date()):
            return Result(False, f"{name} has paused new introductions for now. Please pick another partner.")
        if target.capacity == Capacity.FULL.value:
            return Result(False, f"{name} is at full capacity and not taking introductions. "
                                 "Please pick another partner.")
        open_count = q.open_count_for(session, company_id=company_id)
        if open_count >= ctx.settings.max_open_intros:
            return Result(False, f"{name} is already in {open_count} open introductions, the program's "
                                 "limit. Please try again later or pick another partner.")
        entry = _match_entry(ask, company_id)
        requester_company_id = requester.id

    token = new_token()
    intro = Introduction(
        ask_id=ask_id, requester_user_id=user_id, requester_company_id=requester_company_id,
        target_company_id=company_id, state=IntroState.REQUESTED.value,
        score=float(entry.get("score") or 0.0), reasons=[str(r) for r in entry.get("reasons") or []],
        # The requesting worker holds the lease on posting the approval request.
        effects_claimed_by=token, next_attempt_at=now + LEASE, created_at=now, updated_at=now,
    )
    try:
        with session_scope(ctx.engine) as session:
            # The limit is counted after this request is written, in a transaction no other
            # request for the partner can interleave with (q.lock_company): two clicks at once
            # cannot both take the last place.
            q.lock_company(session, company_id=company_id)
            session.add(intro)
            session.flush()
            open_now = q.open_count_for(session, company_id=company_id)
            if open_now > ctx.settings.max_open_intros:
                raise _Refused(f"{name} is already in {open_now - 1} open introductions, the program's "
                               "limit. Please try again later or pick another partner.")
            audit.record(session, actor=user_id, action="intro_requested", entity=ENTITY, entity_id=intro.id,
                         detail={"ask_id": ask_id, "target_company_id": company_id}, at=now)
    except _Refused as refused:
        return Result(False, refused.message)
    except IntegrityError:  # the same click, twice at once: the other one made the request
        with session_scope(ctx.engine) as session:
            existing = q.find_intro(session, ask_id=ask_id, target_company_id=company_id)
            if existing is None:
                raise
            return Result(True, f"You already requested an introduction to {name} for this ask; "
                                f"it {_state_words(existing)}.", existing.id)
    return Result(True, f"Thanks! Your request to be introduced to {name} is waiting for a vendor "
                        "manager's approval. I'll let you know here in Slack.", intro.id, token, created=True)


NOTE_MAX = 500


def add_request_note(ctx: BotContext, *, intro_id: int, user_id: str, note: str) -> Result:
    """The requester's optional note for the manager, shown on the approval request while it waits.
    Kept in the audit log (the request's history), the latest note wins."""
    now = ctx.clock.now()
    with session_scope(ctx.engine) as session:
        intro = q.get_intro(session, intro_id=intro_id)
        if intro is None or intro.requester_user_id != user_id:
            return Result(False, "Only the person who asked can add a note to this request.")
        if intro.state != IntroState.REQUESTED:
            return Result(False, f"This request {_state_words(intro)}; the note was not added.", intro_id)
        audit.record(session, actor=user_id, action="intro_request_note", entity=ENTITY, entity_id=intro_id,
                     detail={"note": " ".join(note.split())[:NOTE_MAX]}, at=now)
    return Result(True, "Thanks — your note is on the request for the vendor manager.", intro_id)


# -- decisions ---------------------------------------------------------------------------
NOT_A_MANAGER = "Only vendor managers can approve or decline introductions."


def _already(intro: Introduction | None) -> str:
    if intro is None:
        return "That introduction request no longer exists."
    from bot.blocks.wording import slack_date  # each reader sees their own time zone

    return f"This request {_state_words(intro)}" + (
        f" ({slack_date(intro.decided_at, '{date_short_pretty} at {time}')})." if intro.decided_at else ".")


def approve(ctx: BotContext, *, intro_id: int, manager_id: str) -> Result:
    if not ctx.settings.is_manager(manager_id):
        return Result(False, NOT_A_MANAGER)
    now = ctx.clock.now()
    token = new_token()
    try:
        with session_scope(ctx.engine) as session:
            from bot.introductions.consent import state_after_approval

            intro = q.get_intro(session, intro_id=intro_id)
            to_state = state_after_approval(ctx, session, intro) if intro is not None else IntroState.APPROVED
            if intro is not None:
                q.lock_company(session, company_id=intro.target_company_id)
            # Approving also takes the lease on the side effects, so the retry job leaves them
            # to this worker until the lease runs out.
            changed = q.transition(session, intro_id=intro_id, from_states=[IntroState.REQUESTED], now=now,
                                   to_state=to_state, decided_by=manager_id, decided_at=now,
                                   effects_claimed_by=token, next_attempt_at=now + LEASE,
                                   effects_attempts=Introduction.effects_attempts + 1)
            if changed:
                # Re-checked now, after the write: the request may be days old.
                problem = _approval_problem(ctx, session, intro)
                if problem:
                    raise _Refused(problem)
                audit.record(session, actor=manager_id, action="intro_approved", entity=ENTITY, entity_id=intro_id,
                             at=now)
    except _Refused as refused:
        return Result(False, refused.message, intro_id)
    if not changed:
        with session_scope(ctx.engine) as session:
            return Result(False, _already(q.get_intro(session, intro_id=intro_id)), intro_id)
    if to_state == IntroState.AWAITING_CONSENT:
        return Result(True, "Approved. I'm asking the proposed partner to accept before the channel opens; "
                            "you'll see their answer on the request.", intro_id, token)
    return Result(True, "Approved. I'm opening the channel and introducing them.", intro_id, token)


class _Refused(Exception):
    """Roll the transaction back and tell the user `message`."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _approval_problem(ctx: BotContext, session, intro: Introduction) -> str | None:
    """Why this request cannot be approved now, or None: both sides still in the directory,
    the proposed partner not paused, not full and within MAX_OPEN_INTROS."""
    from bot.text import escape

    target = session.get(Company, intro.target_company_id, populate_existing=True)
    name = f"*{escape(target.name)}*" if target is not None else "The proposed partner"
    if target is None or not target.active:
        return f"{name} has left the partner directory: this request cannot go ahead. Please decline it."
    if intro.requester_company_id is not None:
        requester = session.get(Company, intro.requester_company_id, populate_existing=True)
        if requester is None or not requester.active:
            return "The requesting partner has left the directory: this request cannot go ahead. Please decline it."
    if is_paused(target, today=ctx.clock.now().date()):
        return f"{name} has paused new introductions. Approve it once they resume, or decline it."
    if target.capacity == Capacity.FULL.value:
        return f"{name} is at full capacity. Approve it once they have room, or decline it."
    decided = q.decided_open_count_for(session, company_id=intro.target_company_id)
    if decided > ctx.settings.max_open_intros:
        return (f"{name} is already in {decided - 1} open introductions, the program's limit "
                f"(MAX_OPEN_INTROS={ctx.settings.max_open_intros}). Approve it once one closes, or decline it.")
    return None


def close_for_deleted_profile(ctx: BotContext, session, *, company_id: int, now: datetime) -> list[str]:
    """The profile is being deleted (same transaction): its open requests and introductions
    close; returns the users who asked to meet it and should be told (after the commit)."""
    closed = q.close_open_for_company(session, company_id=company_id, now=now, closed_by="profile-deleted")
    for intro_id, _, _, state in closed:
        audit.record(session, actor="system", action="intro_closed_profile_deleted", entity=ENTITY,
                     entity_id=intro_id, detail={"company_id": company_id, "state": state}, at=now)
    pending = (IntroState.REQUESTED.value, IntroState.AWAITING_CONSENT.value, IntroState.APPROVED.value)
    return sorted({requester for _, requester, target, state in closed
                   if target == company_id and state in pending and requester and requester != "deleted-user"})


def can_decline(ctx: BotContext, *, intro_id: int, manager_id: str) -> Result:
    """Before the reason modal opens: is there still something to decline?"""
    if not ctx.settings.is_manager(manager_id):
        return Result(False, NOT_A_MANAGER)
    with session_scope(ctx.engine) as session:
        intro = q.get_intro(session, intro_id=intro_id)
        if intro is None or intro.state != IntroState.REQUESTED:
            return Result(False, _already(intro), intro_id)
        target = get_company(session, company_id=intro.target_company_id)
        return Result(True, target.name if target else "the partner", intro_id)


def decline(ctx: BotContext, *, intro_id: int, manager_id: str, reason: str) -> Result:
    if not ctx.settings.is_manager(manager_id):
        return Result(False, NOT_A_MANAGER)
    now = ctx.clock.now()
    with session_scope(ctx.engine) as session:
        changed = q.transition(session, intro_id=intro_id, from_states=[IntroState.REQUESTED], now=now,
                               to_state=IntroState.DECLINED, decided_by=manager_id, decided_at=now,
                               decline_reason=reason[:1000], closed_at=now, closed_by=manager_id,
                               effects_claimed_by=None, next_attempt_at=None)
        if changed:
            audit.record(session, actor=manager_id, action="intro_declined", entity=ENTITY, entity_id=intro_id,
                         detail={"reason": reason[:1000]}, at=now)
    if not changed:
        with session_scope(ctx.engine) as session:
            return Result(False, _already(q.get_intro(session, intro_id=intro_id)), intro_id)
    return Result(True, "Declined; the requester has been told.", intro_id)


# -- after the introduction --------------------------------------------------------------
def _unless_introduced_partner(session, intro, user_id: str) -> Result | None:
    """A refusal unless `user_id` belongs to the introduced (target) partner: only they may say Not a fit."""
    from bot.text import escape

    company = get_company_for_user(session, slack_user_id=user_id)
    if company is not None and company.id == intro.target_company_id:
        return None
    target = get_company(session, company_id=intro.target_company_id)
    who = escape(target.name) if target else "the introduced partner"
    return Result(False, f"Only {who} can mark this introduction as not a fit.", intro.id)


def can_say_not_a_fit(ctx: BotContext, *, intro_id: int, user_id: str) -> Result:
    """Before the Not a fit modal opens: only the introduced partner's users, on an open introduction.
    On success `message` is the requester's company name."""
    with session_scope(ctx.engine) as session:
        intro = q.get_intro(session, intro_id=intro_id)
        if intro is None:
            return Result(False, "That introduction no longer exists.")
        refused = _unless_introduced_partner(session, intro, user_id)
        if refused:
            return refused
        if intro.state not in (IntroState.APPROVED, IntroState.INTRODUCED):
            return Result(False, f"This introduction {_state_words(intro)}.", intro_id)
        requester = get_company(session, company_id=intro.requester_company_id) if intro.requester_company_id else None
        return Result(True, requester.name if requester else "the requester", intro_id)


def not_a_fit(ctx: BotContext, *, intro_id: int, user_id: str, reason: str | None = None) -> Result:
    """The introduced partner says the introduction is not a fit: it is closed."""
    now = ctx.clock.now()
    with session_scope(ctx.engine) as session:
        intro = q.get_intro(session, intro_id=intro_id)
        if intro is None:
            return Result(False, "That introduction no longer exists.")
        refused = _unless_introduced_partner(session, intro, user_id)
        if refused:
            return refused
        changed = q.transition(session, intro_id=intro_id, now=now,
                               from_states=[IntroState.APPROVED, IntroState.INTRODUCED],
                               to_state=IntroState.NOT_A_FIT, closed_at=now, closed_by=user_id)
        if not changed:
            return Result(False, f"This introduction {_state_words(intro)}.", intro_id)
        q.upsert_outcome(session, intro_id=intro_id, company_id=intro.target_company_id, user_id=user_id,
                         outcome=OutcomeKind.NO_FIT.value, deal_value=None, now=now)
        audit.record(session, actor=user_id, action="intro_not_a_fit", entity=ENTITY, entity_id=intro_id, at=now,
                     detail={"reason": reason[:600]} if reason else None)
    return Result(True, "Thanks for letting us know — the introduction is closed and the requester has been told.",
                  intro_id)


# A deal value is money: at most a trillion (MAX_DEAL_VALUE), in cents. Anything else is a typo
# or an attack (1e308 would overflow every sum of the program's figures).
_AMOUNT = re.compile(r"^[0-9]{1,13}(\.[0-9]{1,2})?$")
DEAL_VALUE_HINT = "Please enter an amount up to 1,000,000,000,000 with at most two decimals, e.g. 25000 — or leave it empty."


def parse_deal_value(raw: str | None) -> float | None:
    """`25,000`, `$25000.50`, ` 1 000 ` -> a number; empty -> None; anything else -> ValueError
    (text, exponents, more than two decimals, negatives, more than MAX_DEAL_VALUE)."""
    if raw is None or not raw.strip():
        return None
    cleaned = raw.strip().replace(",", "").replace(" ", "").replace("\u00a0", "").lstrip("$€£")
    if not _AMOUNT.match(cleaned):
        raise ValueError(raw)
    value = float(cleaned)
    if value > MAX_DEAL_VALUE:
        raise ValueError(raw)
    return round(value, 2)


ANSWERABLE = (IntroState.INTRODUCED, IntroState.CLOSED, IntroState.NOT_A_FIT)


def _answering_company(session, intro: Introduction, user_id: str) -> int | None:
    """The side of the introduction `user_id` answers for, or None for an outsider."""
    if user_id == intro.requester_user_id and intro.requester_company_id:
        return intro.requester_company_id
    company = get_company_for_user(session, slack_user_id=user_id)
    if company is not None and company.id in (intro.requester_company_id, intro.target_company_id):
        return company.id
    return None


def _answerer(session, *, intro_id: int, user_id: str):
    """(introduction, the answering company's id, None) — or a refusal as the last item."""
    intro = q.get_intro(session, intro_id=intro_id)
    if intro is None:
        return None, None, Result(False, "That introduction no longer exists.")
    company_id = _answering_company(session, intro, user_id)
    if company_id is None:
        return intro, None, Result(False, "Only the two introduced partners can answer this.", intro_id)
    if intro.state not in ANSWERABLE:
        return intro, company_id, Result(False, f"This introduction {_state_words(intro)}.", intro_id)
    return intro, company_id, None


def can_answer(ctx: BotContext, *, intro_id: int, user_id: str) -> Result:
    """May `user_id` answer this follow-up? On success `message` is the other company's name."""
    with session_scope(ctx.engine) as session:
        intro, company_id, refusal = _answerer(session, intro_id=intro_id, user_id=user_id)
        if refusal is not None:
            return refusal
        other_id = intro.target_company_id if company_id == intro.requester_company_id else intro.requester_company_id
        other = session.get(Company, other_id) if other_id else None
        return Result(True, other.name if other else "your partner", intro_id)


def record_outcome(ctx: BotContext, *, intro_id: int, user_id: str, outcome: str,
                   deal_value: float | None = None) -> Result:
    """A partner's follow-up answer: one Outcome per company (a later answer replaces it)."""
    if outcome not in {k.value for k in OutcomeKind}:
        return Result(False, "Unknown answer.")
    now = ctx.clock.now()
    with session_scope(ctx.engine) as session:
        intro, company_id, refusal = _answerer(session, intro_id=intro_id, user_id=user_id)
        if refusal is not None:
            return refusal
        q.upsert_outcome(session, intro_id=intro_id, company_id=company_id, user_id=user_id, outcome=outcome,
                         deal_value=deal_value if outcome == OutcomeKind.DEAL_WON else None, now=now)
        audit.record(session, actor=user_id, action="intro_outcome", entity=ENTITY, entity_id=intro_id,
                     detail={"company_id": company_id, "outcome": outcome, "deal_value": deal_value}, at=now)
        # With an outcome known the introduction itself is done: it no longer counts as open.
        if q.transition(session, intro_id=intro_id, from_states=[IntroState.INTRODUCED], now=now,
                        to_state=IntroState.CLOSED, closed_at=now, closed_by=user_id):
            audit.record(session, actor=user_id, action="intro_closed", entity=ENTITY, entity_id=intro_id,
                         detail={"outcome": outcome}, at=now)
    return Result(True, "Thanks, recorded.", intro_id)


def backoff(attempts: int) -> timedelta:
    """1, 2, 4 ... minutes between retries of an introduction's effects, at most an hour."""
    return timedelta(minutes=min(60, 2 ** max(0, attempts - 1)))


def lease_until(now: datetime) -> datetime:
    return now + LEASE
