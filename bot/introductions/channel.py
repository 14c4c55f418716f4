"""The introduction's private channel: made once, under a reserved name, and its members invited.

conversations.create is not idempotent. Before calling it the worker reserves the channel
name in the database (a unique column), so no two introductions ever try the same name.
If a retry gets `name_taken` for the name this introduction reserved, an earlier attempt
may have created it and crashed before saving the ID: the worker looks for a private
channel of that exact name created by the bot itself (conversations.list) and adopts it.
If none is found (someone else owns the name, or the listing is unavailable) it moves on to
the next name (`-<intro id>`, then `-<intro id>-2` ...). Worst case: one orphaned empty
channel — never a channel shared with the wrong introduction.
"""

from __future__ import annotations

import logging
import time

from slack_sdk.errors import SlackApiError

from bot.context import BotContext
from bot.introductions import naming
from bot.introductions.lease import LeaseLost, Run, Snapshot
from bot.introductions.service import ENTITY
from bot.introductions.slack_errors import HARMLESS_INVITE, UNINVITABLE, error_code
from models import audit
from models import intro_queries as q
from models.db import session_scope

log = logging.getLogger(__name__)

# Seconds a retry that hit `name_taken` on its reserved name waits for the earlier worker
# (which made that channel) to record it.
HANDOVER_WAIT = 3.0


def create_channel(run: Run, s: Snapshot) -> None:
    ctx, intro = run.ctx, s.intro
    base = naming.base_name(s.requester.name, s.target.name, requester_id=intro.requester_company_id,
                            target_id=intro.target_company_id)
    reserved = intro.channel_name  # reserved by an earlier attempt: maybe created, maybe not
    names = [n for n in naming.candidates(base, intro_id=intro.id) if n != reserved]
    if reserved:
        names.insert(0, reserved)
    for name in names:
        if name != reserved:
            status = run.patiently(lambda session, n=name: q.reserve_channel_name(
                session, intro_id=intro.id, token=run.token, name=n))
            if status == "lost":
                raise LeaseLost(intro.id)
            if status == "taken":
                continue  # another introduction holds this name
            if status == "has_channel":  # an earlier worker recorded it meanwhile
                _use_recorded_channel(run, s)
                return
            intro.channel_name = name
        try:
            resp = ctx.client.conversations_create(name=name, is_private=True)
            channel_id = resp["channel"]["id"]
        except SlackApiError as exc:
            if error_code(exc) != "name_taken":
                raise
            if name != reserved:
                continue  # a name nobody of ours tried before: someone else's channel
            # Our own earlier attempt may have made it: wait for that worker to record it,
            # else look for a private channel of that name created by the bot.
            if _await_recorded_channel(run):
                _use_recorded_channel(run, s)
                return
            channel_id = _find_own_channel(ctx, name)
            if channel_id is None:
                reserved = None
                continue
            log.info("introduction %s: adopting channel %s created by an earlier attempt", intro.id, name)
        run.patiently(lambda session, n=name, c=channel_id: q.record_channel(
            session, intro_id=intro.id, name=n, channel_id=c))
        _use_recorded_channel(run, s)
        with session_scope(ctx.engine) as session:
            audit.record(session, actor="system", action="intro_channel_created", entity=ENTITY, entity_id=intro.id,
                         detail={"channel_id": intro.channel_id, "channel_name": intro.channel_name},
                         at=ctx.clock.now())
        return
    raise RuntimeError(f"no free channel name for introduction {intro.id}")


def _use_recorded_channel(run: Run, s: Snapshot) -> None:
    channel_id, name = run.patiently(lambda session: q.recorded_channel(session, intro_id=s.intro.id))
    if not channel_id:
        raise LeaseLost(s.intro.id)
    s.intro.channel_id, s.intro.channel_name = channel_id, name
    run.save()  # still ours? (raises LeaseLost otherwise)


def _await_recorded_channel(run: Run, seconds: float = HANDOVER_WAIT) -> bool:
    deadline = time.monotonic() + seconds
    while True:
        channel_id, _ = run.patiently(lambda session: q.recorded_channel(session, intro_id=run.intro_id))
        if channel_id:
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.2)


def _find_own_channel(ctx: BotContext, name: str) -> str | None:
    """A private channel named `name` that the bot itself created (from an earlier attempt)."""
    bot_user = _bot_user_id(ctx)
    cursor = None
    try:
        for _ in range(50):
            resp = ctx.client.conversations_list(types="private_channel", exclude_archived=True, limit=200,
                                                 cursor=cursor)
            for channel in resp.get("channels") or []:
                if channel.get("name") == name and bot_user and channel.get("creator") == bot_user:
                    return channel["id"]
            cursor = (resp.get("response_metadata") or {}).get("next_cursor")
            if not cursor:
                return None
    except SlackApiError as exc:
        log.info("conversations.list failed: %s", error_code(exc))
    return None


def _bot_user_id(ctx: BotContext) -> str | None:
    if "bot_user_id" not in ctx.services:
        try:
            ctx.services["bot_user_id"] = ctx.client.auth_test()["user_id"]
        except SlackApiError:
            return None
    return ctx.services["bot_user_id"]


def invite(ctx: BotContext, channel: str, users: list[str]) -> dict[str, str]:
    """Invite each user separately, so one who cannot be invited does not stop the rest."""
    failed: dict[str, str] = {}
    for user in dict.fromkeys(u for u in users if u):
        try:
            ctx.client.conversations_invite(channel=channel, users=user)
        except SlackApiError as exc:
            error = error_code(exc)
            if error in HARMLESS_INVITE:
                continue
            if error in UNINVITABLE:
                failed[user] = error
                continue
            raise
    return failed


def pin(client, channel: str, ts: str) -> None:
    try:
        client.pins_add(channel=channel, timestamp=ts)
    except SlackApiError as exc:
        if error_code(exc) != "already_pinned":
            raise


def permalink(ctx: BotContext, channel: str, ts: str | None) -> str:
    if ts:
        try:
            return ctx.client.chat_getPermalink(channel=channel, message_ts=ts)["permalink"]
        except SlackApiError as exc:
            log.info("permalink for %s failed: %s", channel, error_code(exc))
    return f"https://slack.com/app_redirect?channel={channel}"
