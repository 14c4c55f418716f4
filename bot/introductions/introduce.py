"""An approved introduction's effects, step by step under the lease: the channel, invitations,
topic, the introduction post, pins and the DMs; then the state `introduced`."""

from __future__ import annotations

import logging

from slack_sdk.errors import SlackApiError

from bot.blocks import intro as blocks
from bot.context import BotContext
from bot.introductions.approval_posts import update_approval_messages
from bot.introductions.channel import create_channel, invite, permalink, pin
from bot.introductions.lease import Run, guarded, load
from bot.introductions.service import ENTITY
from bot.introductions.slack_errors import INVITE_PROBLEMS, UNDELIVERABLE_DM, error_code
from bot.text import escape
from models import audit
from models import intro_queries as q
from models.db import session_scope
from models.introduction import IntroState

log = logging.getLogger(__name__)

def run_approval_effects(ctx: BotContext, intro_id: int, token: str) -> bool:
    return guarded(ctx, intro_id, token, lambda run: _approval_effects(run))


def _approval_effects(run: Run) -> bool:
    ctx, client = run.ctx, run.ctx.client
    s = load(ctx, run.intro_id)
    if s is not None and s.intro.state == IntroState.AWAITING_CONSENT:
        from bot.introductions import consent

        return consent.ask(run, s)
    if s is None or s.intro.state != IntroState.APPROVED:
        return False
    intro, done = s.intro, s.intro.effects_done
    manager = intro.decided_by or ""

    if not intro.channel_id:
        create_channel(run, s)

    if "approval_updated" not in done:  # after the channel, so the request can link to it
        update_approval_messages(ctx, s, approved=True)
        run.mark(s, "approval_updated")

    if "invited" not in done:
        failed = invite(ctx, intro.channel_id, [*s.requester_users, *s.target_users, manager])
        if failed:
            with session_scope(ctx.engine) as session:
                audit.record(session, actor="system", action="intro_invite_failed", entity=ENTITY,
                             entity_id=intro.id, detail={"users": failed}, at=ctx.clock.now())
            listing = ", ".join(f"<@{u}> ({INVITE_PROBLEMS.get(err, 'Slack would not invite them')})"
                                for u, err in failed.items())
            client.chat_postMessage(channel=manager, text=(
                f"I could not invite {listing} to <#{intro.channel_id}>, the channel of "
                f"{escape(s.requester.name)} and {escape(s.target.name)}. "
                "The others are in; please add them by hand or link another Slack user to the company."))
        run.mark(s, "invited")

    if "connect_reserved" not in done:  # outside contacts: Slack Connect invitations, sent below
        from bot.introductions import connect

        connect.reserve(ctx, s)
        run.mark(s, "connect_reserved")

    if "topic" not in done:
        client.conversations_setTopic(channel=intro.channel_id, topic=blocks.intro_topic(s.requester.name, s.target.name))
        run.mark(s, "topic")

    if not intro.intro_message_ts:
        message = blocks.intro_message(
            intro_id=intro.id, ask=s.ask, requester=s.requester, target=s.target,
            requester_user_ids=s.requester_users, target_user_ids=s.target_users, manager_id=manager,
            score=intro.score, reasons=intro.reasons, rules=ctx.settings.rules_of_engagement,
            at=intro.decided_at)
        resp = client.chat_postMessage(channel=intro.channel_id, blocks=message, unfurl_links=False,
                                       text=blocks.intro_text(s.requester.name, s.target.name))
        intro.intro_message_ts = resp["ts"]
        run.save(intro_message_ts=resp["ts"])

    rules = ctx.settings.rules_of_engagement
    if rules and not any(step.startswith("rules:") for step in done):
        # The rules are their own short message, so the pin shows them and nothing else.
        resp = client.chat_postMessage(channel=intro.channel_id, blocks=blocks.rules_message(rules),
                                       text="Rules of engagement", unfurl_links=False)
        run.mark(s, f"rules:{resp['ts']}")
    rules_ts = next((step.split(":", 1)[1] for step in s.intro.effects_done if step.startswith("rules:")), None)
    # Pinned so that people who join later (outside contacts accepting the invitation) read it.
    outside = any(c.contact_emails for c in (s.requester, s.target))
    if rules_ts and outside and "pinned_intro" not in done:
        pin(client, intro.channel_id, intro.intro_message_ts)
        run.mark(s, "pinned_intro")
    pin_ts = rules_ts or (intro.intro_message_ts if outside else None)

    if pin_ts and "pinned" not in done:
        pin(client, intro.channel_id, pin_ts)
        run.mark(s, "pinned")

    link = permalink(ctx, intro.channel_id, intro.intro_message_ts)
    dms = [(s.intro.requester_user_id, s.target, False), *[(u, s.requester, True) for u in s.target_users]]
    for user, other, introduced_partner in dms:
        if f"dm:{user}" in done:
            continue
        text = (f":handshake: You've been introduced to *{escape(other.name)}* by <@{manager}>. "
                f"Say hello in <{link}|#{intro.channel_name}>")
        dm = blocks.intro_dm(intro_id=intro.id, other_name=other.name, manager_id=manager, link=link,
                             channel_name=intro.channel_name, can_say_not_a_fit=introduced_partner)
        try:
            client.chat_postMessage(channel=user, text=text, blocks=dm, unfurl_links=False)
        except SlackApiError as exc:
            if error_code(exc) not in UNDELIVERABLE_DM:
                raise
            log.warning("introduction %s: DM to %s failed: %s", intro.id, user, error_code(exc))
        run.mark(s, f"dm:{user}")

    now = ctx.clock.now()
    with session_scope(ctx.engine) as session:
        finished = q.transition(session, intro_id=intro.id, from_states=[IntroState.APPROVED],
                                to_state=IntroState.INTRODUCED, now=now, introduced_at=now,
                                effects_claimed_by=None, next_attempt_at=None, effects_error=None)
        if finished:
            audit.record(session, actor="system", action="intro_introduced", entity=ENTITY, entity_id=intro.id,
                         detail={"channel_id": intro.channel_id, "channel_name": intro.channel_name}, at=now)
        else:  # e.g. marked not a fit meanwhile: just let go of the lease
            q.release_effects(session, intro_id=intro.id, token=run.token, retry_at=None, error=None)
    if finished:
        from bot.introductions import connect

        connect.send_due(ctx, intro_id=intro.id)  # each invitation claimed on its own; the job retries
        connect.update_status(ctx, intro.id)
    return finished
