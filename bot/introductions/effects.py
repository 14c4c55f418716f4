"""Slack side effects of introductions, resumable step by step under a lease.

Split by concern (this module keeps every name importable, and `resume`, which ties them):
- `lease.py`: the lease runner (`Run`, `guarded`, `Snapshot`, `load`, `LeaseLost`);
- `approval_posts.py`: the approval request's messages (post, refresh, decision, `approved_text`);
- `channel.py`: the channel made once under a reserved name, invitations, pins, permalinks;
- `introduce.py`: an approved introduction's steps (`run_approval_effects`);
- `closing_notices.py`: what people are told on a decline or a "not a fit";
- `slack_errors.py`: which Slack error codes are someone's situation rather than a failure.
"""

from __future__ import annotations

from datetime import datetime

from bot.context import BotContext
from bot.introductions.approval_posts import (approved_text, body_kwargs, post_approval_requests,
                                              refresh_approval_request, update_approval_messages)
from bot.introductions.channel import HANDOVER_WAIT, create_channel, invite, permalink, pin
from bot.introductions.closing_notices import after_decline, after_not_a_fit
from bot.introductions.introduce import run_approval_effects
from bot.introductions.lease import SAVE_PATIENCE, LeaseLost, Run, Snapshot, guarded, load
from bot.introductions.service import ENTITY, LEASE, new_token
from bot.introductions.slack_errors import (HARMLESS_INVITE, INVITE_PROBLEMS, UNDELIVERABLE_DM, UNINVITABLE,
                                            error_code, slack_answered)
from models import intro_queries as q
from models.db import session_scope
from models.introduction import IntroState

# The names other modules used before the split.
_error = error_code
_slack_answered = slack_answered
_update_approval_messages = update_approval_messages
_body_kwargs = body_kwargs
_Run = Run
_guarded = guarded

__all__ = ["ENTITY", "HANDOVER_WAIT", "HARMLESS_INVITE", "INVITE_PROBLEMS", "SAVE_PATIENCE", "UNDELIVERABLE_DM",
           "UNINVITABLE", "LeaseLost", "Run", "Snapshot", "after_decline", "after_not_a_fit", "approved_text",
           "create_channel", "error_code", "guarded", "invite", "load", "permalink", "pin", "post_approval_requests",
           "refresh_approval_request", "resume", "run_approval_effects", "slack_answered",
           "update_approval_messages"]


# -- the retry job -----------------------------------------------------------------------
def resume(ctx: BotContext, intro_id: int, *, now: datetime | None = None) -> bool:
    """Claim an introduction's pending effects (if nobody holds them at `now`) and do them."""
    now = now or ctx.clock.now()
    token = new_token()
    with session_scope(ctx.engine) as session:
        intro = q.get_intro(session, intro_id=intro_id)
        if intro is None:
            return False
        state = intro.state
        if not q.claim_effects(session, intro_id=intro_id, state=state, token=token, now=now, lease_until=now + LEASE):
            return False
    if state in (IntroState.APPROVED, IntroState.AWAITING_CONSENT):
        return run_approval_effects(ctx, intro_id, token)
    if state == IntroState.REQUESTED:
        return post_approval_requests(ctx, intro_id, token)
    return False
