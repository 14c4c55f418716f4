"""The approval request's messages: posted to the managers, refreshed, and updated with the decision."""

from __future__ import annotations

import logging

from slack_sdk.errors import SlackApiError

from bot.blocks import intro as blocks
from bot.context import BotContext
from bot.introductions.lease import Run, Snapshot, guarded, load
from bot.introductions.slack_errors import error_code, slack_answered
from bot.text import escape
from models import intro_queries as q
from models.introduction import IntroState

log = logging.getLogger(__name__)

def body_kwargs(s: Snapshot) -> dict:
    return {"intro_id": s.intro.id, "ask": s.ask, "requester": s.requester, "target": s.target,
            "requester_user_id": s.intro.requester_user_id, "score": s.intro.score, "reasons": s.intro.reasons}


def _request_kwargs(ctx: BotContext, s: Snapshot) -> dict:
    """The approval request's details: open introductions against MAX_OPEN_INTROS, met before."""
    # The request itself counts as open once made; the manager judges the others.
    others = max(0, (s.target_open or 0) - (1 if s.intro.state in ("requested", "approved", "introduced") else 0))
    return {**body_kwargs(s), "open_intros": others, "max_open": ctx.settings.max_open_intros,
            "met_before": s.met_before, "requested_at": s.intro.created_at, "note": s.note}


def refresh_approval_request(ctx: BotContext, intro_id: int) -> None:
    """Show the request as it is now (e.g. with the requester's note) on its approval messages."""
    s = load(ctx, intro_id)
    if s is None or s.intro.state != IntroState.REQUESTED:
        return
    message = blocks.approval_request(**_request_kwargs(ctx, s))
    for ref in s.intro.approval_messages or []:
        try:
            ctx.client.chat_update(channel=ref["channel"], ts=ref["ts"], blocks=message,
                                   text=blocks.approval_text(s.requester.name, s.target.name))
        except SlackApiError as exc:
            log.warning("introduction %s: approval message refresh failed: %s", intro_id, error_code(exc))


def post_approval_requests(ctx: BotContext, intro_id: int, token: str) -> bool:
    """Post the request to APPROVALS_CHANNEL, or to each manager by DM when it is unset."""
    return guarded(ctx, intro_id, token, lambda run: _post_approvals(run))


def _post_approvals(run: Run) -> bool:
    ctx = run.ctx
    s = load(ctx, run.intro_id)
    if s is None or s.intro.state != IntroState.REQUESTED or s.intro.approval_messages is not None:
        return False
    destinations = [ctx.settings.approvals_channel] if ctx.settings.approvals_channel else sorted(ctx.settings.managers)
    if not destinations:
        raise RuntimeError("no APPROVALS_CHANNEL and no PARTNERBOT_MANAGERS to ask for approval")
    posted = []
    text = blocks.approval_text(s.requester.name, s.target.name)
    message = blocks.approval_request(**_request_kwargs(ctx, s))
    for channel in destinations:
        try:
            resp = ctx.client.chat_postMessage(channel=channel, text=text, blocks=message, unfurl_links=False)
            posted.append({"channel": resp["channel"], "ts": resp["ts"]})
        except SlackApiError as exc:
            log.warning("introduction %s: approval post to %s failed: %s", run.intro_id, channel, error_code(exc))
    if not posted:
        raise RuntimeError("the approval request could not be posted anywhere")
    # Recorded whether or not the lease is still ours: a manager may have decided already
    # (the click can beat this write), and the decision must be able to find the messages.
    stored = run.patiently(lambda session: q.store_approval_messages(session, intro_id=run.intro_id, messages=posted))
    run.patiently(lambda session: q.release_effects(session, intro_id=run.intro_id, token=run.token,
                                                    retry_at=None, error=None))
    decided = load(ctx, run.intro_id)
    if stored and decided is not None and decided.intro.state not in (IntroState.REQUESTED,):
        # Decided before the messages were recorded: show the decision on them now.
        update_approval_messages(ctx, decided, approved=decided.intro.state != IntroState.DECLINED)
    return stored


def update_approval_messages(ctx: BotContext, s: Snapshot, *, approved: bool, status: str | None = None) -> None:
    """Show the decision on the approval message(s); `status` is a live status line under it
    (consent, Slack Connect invitations)."""
    from bot.blocks.consent import status_block

    intro = s.intro
    decided = blocks.approval_decided(**body_kwargs(s), approved=approved, manager_id=intro.decided_by or "",
                                      at=intro.decided_at or ctx.clock.now(), reason=intro.decline_reason,
                                      channel_id=intro.channel_id if approved else None)
    if status:
        decided = [*decided, status_block(status)]
    verb = "approved" if approved else "declined"
    text = (f"{escape(s.requester.name)} → {escape(s.target.name)}: {verb} by <@{intro.decided_by}>")
    for ref in intro.approval_messages or []:
        try:
            ctx.client.chat_update(channel=ref["channel"], ts=ref["ts"], text=text, blocks=decided)
        except SlackApiError as exc:
            if not slack_answered(exc):
                raise  # Slack is failing (5xx, rate limits past the client's retries): retry the step later
            # Slack refused it (e.g. the approval message was deleted): that must not hold up the introduction.
            log.warning("introduction %s: approval message update failed: %s", intro.id, error_code(exc))


def approved_text(ctx: BotContext, intro_id: int) -> str:
    """What the approving manager is told: who, whom and where (not a bare "Approved.")."""
    s = load(ctx, intro_id)
    if s is None:
        return "Approved."
    pair = f"*{escape(s.requester.name)}* → *{escape(s.target.name)}*"
    if s.intro.state == IntroState.INTRODUCED and s.intro.channel_id:
        return f":white_check_mark: Approved {pair}: they are introduced in <#{s.intro.channel_id}>."
    if s.intro.state == IntroState.AWAITING_CONSENT:
        return (f":white_check_mark: Approved {pair}. I've asked *{escape(s.target.name)}* to accept; "
                "their channel opens when they do.")
    return (f":white_check_mark: Approved {pair}. Their channel is being set up; "
            "I'll keep trying and post the introduction there.")
