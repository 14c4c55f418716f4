"""The proposed partner's consent (INTRO_CONSENT=on, the default).

approved by a manager -> awaiting_consent -> approved (Accept) -> introduced ...
                                          -> consent_declined ("Not now")
                                          -> consent_expired (no answer in CONSENT_DAYS)

Asking is an effect under the introduction's lease (`effects`): each contact's DM is recorded
(`consent_messages`, `effects_done`) as it is sent, and `consent_asked_at` is set once all
are sent, so a retry asks only those not yet asked. Every answer is a conditional UPDATE
from `awaiting_consent`, so two contacts clicking at once, a double click or two replicas
record one answer; only the winner tells anyone. A proposed partner whose contacts are all
outside the workspace is not asked by DM: accepting the Slack Connect invitation is its
consent (`bot.introductions.connect`).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from slack_sdk.errors import SlackApiError
from sqlalchemy import func

from bot.blocks import consent as cblocks
from bot.blocks.intro import when
from bot.context import BotContext
from bot.introductions import effects
from bot.introductions.service import ENTITY, LEASE, Result, new_token
from bot.text import safe
from models import audit
from models import intro_queries as q
from models.company import get_company, get_company_for_user, member_user_ids
from models.db import session_scope
from models.introduction import ConsentAnswer, Introduction, IntroState

log = logging.getLogger(__name__)

# An answer that beats the last consent DM still gets an "asked" time (for the digest's median).
_ASKED = func.coalesce(Introduction.consent_asked_at, Introduction.decided_at)


def state_after_approval(ctx: BotContext, session, intro: Introduction) -> IntroState:
    """Ask the proposed partner first when consent is on and it has contacts in the workspace."""
    if ctx.settings.intro_consent and member_user_ids(session, company_id=intro.target_company_id):
        return IntroState.AWAITING_CONSENT
    return IntroState.APPROVED


def deadline(ctx: BotContext, intro: Introduction) -> datetime:
    asked = intro.consent_asked_at or intro.decided_at or ctx.clock.now()
    return asked + timedelta(days=ctx.settings.consent_days)


# -- asking (an effect, under the lease) ---------------------------------------------------
def ask(run, s: effects.Snapshot) -> bool:
    """DM each of the proposed partner's workspace contacts the consent question."""
    ctx, intro = run.ctx, s.intro
    if "approval_updated" not in intro.effects_done:
        update_approval_status(ctx, s)
        run.mark(s, "approval_updated")
    message = cblocks.consent_request(
        intro_id=intro.id, ask=s.ask, requester=s.requester, requester_user_id=intro.requester_user_id,
        target_name=s.target.name, manager_id=intro.decided_by or "", reasons=intro.reasons,
        deadline=deadline(ctx, intro))
    posted = list(intro.consent_messages or [])
    for user in s.target_users:
        step = f"consent:{user}"
        if step in intro.effects_done:
            continue
        try:
            resp = ctx.client.chat_postMessage(channel=user, text=cblocks.consent_text(s.requester.name),
                                               blocks=message, unfurl_links=False)
            posted.append({"channel": resp["channel"], "ts": resp["ts"]})
        except SlackApiError as exc:
            if effects._error(exc) not in effects.UNDELIVERABLE_DM:
                raise  # retried with backoff; those already asked are not asked again
            log.warning("introduction %s: consent DM to %s failed: %s", intro.id, user, effects._error(exc))
        intro.effects_done = [*intro.effects_done, step]
        run.save(effects_done=intro.effects_done, consent_messages=posted)
    if not posted:
        raise RuntimeError("none of the proposed partner's contacts could be asked")
    now = ctx.clock.now()
    run.save(consent_asked_at=now, effects_claimed_by=None, next_attempt_at=None, effects_error=None)
    with session_scope(ctx.engine) as session:
        audit.record(session, actor="system", action="intro_consent_asked", entity=ENTITY, entity_id=intro.id,
                     detail={"users": s.target_users}, at=now)
    return True


# -- answers ---------------------------------------------------------------------------------
def _already(intro: Introduction | None, target_name: str) -> str:
    if intro is None:
        return "That introduction request no longer exists."
    name = f"*{safe(target_name, 120)}*"
    if intro.consent_answer == ConsentAnswer.ACCEPTED:
        return f"This request was already accepted for {name} by <@{intro.consent_by}>."
    if intro.consent_answer == ConsentAnswer.DECLINED:
        return f"This request was already answered (Not now) for {name} by <@{intro.consent_by}>."
    if intro.consent_answer == ConsentAnswer.EXPIRED:
        return "This request has closed: it was not answered in time."
    return "This request is no longer waiting for an answer."


def _check(session, intro_id: int, user_id: str) -> tuple[Introduction | None, str, Result | None]:
    intro = q.get_intro(session, intro_id=intro_id)
    if intro is None:
        return None, "", Result(False, "That introduction request no longer exists.")
    target = get_company(session, company_id=intro.target_company_id)
    name = target.name if target else "the proposed partner"
    company = get_company_for_user(session, slack_user_id=user_id)
    if company is None or company.id != intro.target_company_id:
        return intro, name, Result(False, f"Only the contacts of *{safe(name, 120)}* can answer this request.",
                                   intro_id)
    if intro.state != IntroState.AWAITING_CONSENT:
        return intro, name, Result(False, _already(intro, name), intro_id)
    return intro, name, None


def can_answer(ctx: BotContext, *, intro_id: int, user_id: str) -> Result:
    """Before the Not now modal opens; on success `message` is the requester's company name."""
    with session_scope(ctx.engine) as session:
        intro, _, refusal = _check(session, intro_id, user_id)
        if refusal is not None:
            return refusal
        requester = get_company(session, company_id=intro.requester_company_id) if intro.requester_company_id else None
        return Result(True, requester.name if requester else "the requester", intro_id)


def accept(ctx: BotContext, *, intro_id: int, user_id: str) -> Result:
    """Accept: the introduction goes on (and this worker takes the lease on opening the channel)."""
    now, token = ctx.clock.now(), new_token()
    with session_scope(ctx.engine) as session:
        intro, name, refusal = _check(session, intro_id, user_id)
        if refusal is not None:
            return refusal
        changed = q.transition(session, intro_id=intro_id, from_states=[IntroState.AWAITING_CONSENT], now=now,
                               to_state=IntroState.APPROVED, consent_answer=ConsentAnswer.ACCEPTED.value,
                               consent_answered_at=now, consent_by=user_id, consent_asked_at=_ASKED,
                               effects_claimed_by=token, next_attempt_at=now + LEASE,
                               effects_attempts=Introduction.effects_attempts + 1)
        if changed:
            audit.record(session, actor=user_id, action="intro_consent_accepted", entity=ENTITY, entity_id=intro_id,
                         at=now)
    if not changed:  # someone else answered first
        with session_scope(ctx.engine) as session:
            return Result(False, _already(q.get_intro(session, intro_id=intro_id), name), intro_id)
    return Result(True, "Thank you! I'm opening a private channel and introducing you there.", intro_id, token)


def decline(ctx: BotContext, *, intro_id: int, user_id: str, reason: str) -> Result:
    now = ctx.clock.now()
    reason = reason.strip()[:1000] or None
    with session_scope(ctx.engine) as session:
        intro, name, refusal = _check(session, intro_id, user_id)
        if refusal is not None:
            return refusal
        changed = q.transition(session, intro_id=intro_id, from_states=[IntroState.AWAITING_CONSENT], now=now,
                               to_state=IntroState.CONSENT_DECLINED, consent_answer=ConsentAnswer.DECLINED.value,
                               consent_answered_at=now, consent_by=user_id, consent_asked_at=_ASKED,
                               consent_reason=reason, closed_at=now, closed_by=user_id, effects_claimed_by=None,
                               next_attempt_at=None)
        if changed:
            audit.record(session, actor=user_id, action="intro_consent_declined", entity=ENTITY,
                         entity_id=intro_id, detail={"reason": reason}, at=now)
    if not changed:
        with session_scope(ctx.engine) as session:
            return Result(False, _already(q.get_intro(session, intro_id=intro_id), name), intro_id)
    return Result(True, "Thanks for letting us know. The requester has been told, kindly and without a reason.",
                  intro_id)


def expire_due(ctx: BotContext, now: datetime) -> int:
    """Close the requests nobody answered within CONSENT_DAYS; tell the requester and manager."""
    cutoff = now - timedelta(days=ctx.settings.consent_days)
    with session_scope(ctx.engine) as session:
        asked = q.due_consent_expiry(session, asked_before=cutoff)
        # a partner with only outside contacts: its invitation was never accepted
        invited = q.due_invitation_consent_expiry(session, asked_before=cutoff)
    expired = 0
    values = dict(consent_answer=ConsentAnswer.EXPIRED.value, consent_answered_at=now, closed_at=now,
                  closed_by="system", effects_claimed_by=None, next_attempt_at=None)
    for intro_id in [*asked, *invited]:
        with session_scope(ctx.engine) as session:
            if intro_id in asked:
                changed = q.transition(session, intro_id=intro_id, from_states=[IntroState.AWAITING_CONSENT],
                                       now=now, to_state=IntroState.CONSENT_EXPIRED, **values)
            else:
                changed = q.expire_invitation_consent(session, intro_id=intro_id, now=now, **values)
            if changed:
                audit.record(session, actor="system", action="intro_consent_expired", entity=ENTITY,
                             entity_id=intro_id, at=now)
        if changed:  # this worker closed it: it alone tells people
            expired += 1
            try:
                after_answer(ctx, intro_id)
            except Exception:  # the state is recorded; a lost notice must not stop the others
                log.exception("introduction %s: expiry notices failed", intro_id)
    return expired


# -- telling people ---------------------------------------------------------------------------
def status_line(ctx: BotContext, s: effects.Snapshot) -> str:
    intro, target = s.intro, f"*{safe(s.target.name, 120)}*"
    if intro.state == IntroState.AWAITING_CONSENT:
        return (f":hourglass_flowing_sand: Waiting for {target} to accept "
                f"(closes by itself on {when(deadline(ctx, intro))}).")
    if intro.consent_answer == ConsentAnswer.DECLINED:
        line = f":wave: {target} answered *Not now* (<@{intro.consent_by}>, {when(intro.consent_answered_at)})."
        if intro.consent_reason:
            line += f" Reason: {safe(intro.consent_reason, 500)}"
        return line
    if intro.consent_answer == ConsentAnswer.EXPIRED:
        return (f":hourglass: {target} did not answer within {ctx.settings.consent_days} days: "
                f"closed on {when(intro.consent_answered_at)}.")
    if intro.consent_answer == ConsentAnswer.ACCEPTED:
        return f":white_check_mark: {target} accepted (<@{intro.consent_by}>, {when(intro.consent_answered_at)})."
    return ""


def update_approval_status(ctx: BotContext, s: effects.Snapshot, extra: str | None = None) -> None:
    """The manager's approval message(s): the decision plus a live status line."""
    lines = [line for line in (status_line(ctx, s), extra) if line]
    effects._update_approval_messages(ctx, s, approved=True, status="\n".join(lines) or None)


def after_answer(ctx: BotContext, intro_id: int) -> None:
    """After an answer (or expiry): update the consent DMs and the approval message, and tell
    the requester (and, on expiry, the manager)."""
    s = effects.load(ctx, intro_id)
    if s is None:
        return
    intro = s.intro
    answered = cblocks.consent_answered(intro_id=intro.id, requester_name=s.requester.name,
                                        answer=intro.consent_answer or "", user_id=intro.consent_by,
                                        at=intro.consent_answered_at or ctx.clock.now())
    for ref in intro.consent_messages or []:
        try:
            ctx.client.chat_update(channel=ref["channel"], ts=ref["ts"], blocks=answered,
                                   text=f"Request from {safe(s.requester.name, 120)}: answered")
        except SlackApiError as exc:
            log.warning("introduction %s: consent message update failed: %s", intro.id, effects._error(exc))
    update_approval_status(ctx, s)
    target = f"*{safe(s.target.name, 120)}*"
    if intro.consent_answer == ConsentAnswer.DECLINED:
        _dm(ctx, intro.requester_user_id, (
            f"Thank you for your request to be introduced to {target}. They can't take on a new introduction "
            "right now — partners' availability changes all the time, and this is no judgement on your request. "
            "`/findpartner` can suggest other partners for your need."))
    elif intro.consent_answer == ConsentAnswer.EXPIRED:
        days = ctx.settings.consent_days
        _dm(ctx, intro.requester_user_id, (
            f"Your request to be introduced to {target} has closed: they did not answer within {days} days. "
            "Nothing beyond the request was shared. `/findpartner` can suggest other partners."))
        if intro.decided_by:
            _dm(ctx, intro.decided_by, (
                f"The introduction request {safe(s.requester.name, 120)} → {safe(s.target.name, 120)} expired: "
                f"{target} did not answer within {days} days. The requester has been told."))


def _dm(ctx: BotContext, user: str, text: str) -> None:
    try:
        ctx.client.chat_postMessage(channel=user, text=text, unfurl_links=False)
    except SlackApiError as exc:
        log.warning("could not DM %s: %s", user, effects._error(exc))
