"""Slack side effects of introductions, resumable step by step under a lease.

The worker that holds an introduction's lease (see `service.LEASE`) does its effects; each
finished step is saved (`channel_id`, `intro_message_ts`, `effects_done`) only while the
lease is still its own, so a retry after a crash or a restart resumes where it stopped.

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
from dataclasses import dataclass
from datetime import datetime

from slack_sdk.errors import SlackApiError

from bot.blocks import intro as blocks
from bot.context import BotContext
from bot.introductions import naming
from bot.introductions.service import ENTITY, LEASE, backoff, new_token
from bot.text import escape
from models import audit
from models import intro_queries as q
from models.ask import Ask
from models.company import Company, member_user_ids
from models.db import session_scope
from models.introduction import Introduction, IntroState

log = logging.getLogger(__name__)

# Per-user invitation errors: that user is reported to the manager, the rest goes on.
UNINVITABLE = {"user_not_found", "user_is_restricted", "user_is_ultra_restricted", "cant_invite", "user_disabled",
               "ura_max_channels", "not_allowed", "invalid_user", "user_is_bot", "cant_invite_users", "missing_user",
               "team_not_found", "not_in_team", "invitee_cant_see_channel"}
# Said to people instead of Slack's error codes.
INVITE_PROBLEMS = {"user_not_found": "not found in this workspace", "user_disabled": "deactivated",
                   "user_is_restricted": "a guest who can't be added", "user_is_ultra_restricted":
                   "a single-channel guest", "user_is_bot": "a bot", "ura_max_channels": "a guest at their channel limit",
                   "cant_invite": "Slack would not invite them", "not_in_team": "not in this workspace"}
HARMLESS_INVITE = {"already_in_channel", "cant_invite_self"}
UNDELIVERABLE_DM = {"channel_not_found", "user_not_found", "cannot_dm_bot", "user_disabled", "not_in_channel",
                    "is_archived", "messages_tab_disabled", "restricted_action"}


# Seconds a finished step waits for the database to come back before giving up.
SAVE_PATIENCE = 30.0
# Seconds a retry that hit `name_taken` on its reserved name waits for the earlier worker
# (which made that channel) to record it.
HANDOVER_WAIT = 3.0


def _database_unavailable(exc: BaseException) -> bool:
    from bot.guards import is_database_unavailable

    return is_database_unavailable(exc)


class LeaseLost(Exception):
    """Another worker took over this introduction's effects; stop quietly."""


@dataclass
class Snapshot:
    intro: Introduction
    ask: Ask
    requester: Company
    target: Company
    requester_users: list[str]
    target_users: list[str]
    target_open: int | None = None  # the proposed partner's open introductions now
    met_before: datetime | None = None  # when the two were last introduced, if ever
    note: str | None = None  # the requester's note for the manager


def load(ctx: BotContext, intro_id: int) -> Snapshot | None:
    with session_scope(ctx.engine) as session:
        intro = q.get_intro(session, intro_id=intro_id)
        if intro is None:
            return None
        ask = session.get(Ask, intro.ask_id)
        target = session.get(Company, intro.target_company_id)
        requester = session.get(Company, intro.requester_company_id) if intro.requester_company_id else None
        requester_users = [intro.requester_user_id]
        if requester is not None:
            requester_users += [u for u in member_user_ids(session, company_id=requester.id) if u not in requester_users]
        target_users = member_user_ids(session, company_id=intro.target_company_id)
        if requester is None:  # a requester's company row is required at request time; be safe for old rows
            requester = Company(name="(no profile)", name_key="", capabilities=[])
        target_open = q.open_count_for(session, company_id=intro.target_company_id)
        met = q.met_before(session, intro_id=intro.id, company_a=intro.requester_company_id,
                           company_b=intro.target_company_id)
        detail = audit.latest_detail(session, action="intro_request_note", entity=ENTITY, entity_id=intro.id)
        note = (detail or {}).get("note") or None
        return Snapshot(intro, ask, requester, target, requester_users, target_users, target_open, met, note)


def _body_kwargs(s: Snapshot) -> dict:
    return {"intro_id": s.intro.id, "ask": s.ask, "requester": s.requester, "target": s.target,
            "requester_user_id": s.intro.requester_user_id, "score": s.intro.score, "reasons": s.intro.reasons}


def _request_kwargs(ctx: BotContext, s: Snapshot) -> dict:
    """The approval request's details: open introductions against MAX_OPEN_INTROS, met before."""
    # The request itself counts as open once made; the manager judges the others.
    others = max(0, (s.target_open or 0) - (1 if s.intro.state in ("requested", "approved", "introduced") else 0))
    return {**_body_kwargs(s), "open_intros": others, "max_open": ctx.settings.max_open_intros,
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
            log.warning("introduction %s: approval message refresh failed: %s", intro_id, _error(exc))


def _slack_answered(exc: SlackApiError) -> bool:
    """Slack answered the call with `ok: false` (a refusal that a retry would not change), as
    opposed to not answering it properly (5xx, 429 past the client's own retries)."""
    status = getattr(exc.response, "status_code", 200)
    return status == 200 and bool(exc.response.get("error"))


def _error(exc: SlackApiError) -> str:
    try:
        return str(exc.response.get("error") or exc.response.status_code)
    except Exception:  # noqa: BLE001 - any odd response still gets a message
        return str(exc)


# -- the run wrapper ---------------------------------------------------------------------
class _Run:
    """One worker's pass over an introduction's effects while it holds the lease `token`."""

    def __init__(self, ctx: BotContext, intro_id: int, token: str) -> None:
        self.ctx, self.intro_id, self.token = ctx, intro_id, token

    def patiently(self, work):
        """Run `work(session)` in a transaction, waiting out a database outage for a while: a
        step's Slack call may not be repeatable (a channel made, a message posted), so its
        result is kept rather than left for a retry to redo."""
        delay, waited = 0.05, 0.0
        while True:
            try:
                with session_scope(self.ctx.engine) as session:
                    return work(session)
            except Exception as exc:
                if waited >= SAVE_PATIENCE or not _database_unavailable(exc):
                    raise
                time.sleep(delay)
                waited += delay
                delay = min(delay * 2, 0.25)

    def save(self, **values) -> None:
        """Store a finished step while the lease is ours (LeaseLost otherwise)."""
        if not self.patiently(lambda session: q.save_progress(session, intro_id=self.intro_id, token=self.token,
                                                               **values)):
            raise LeaseLost(self.intro_id)

    def mark(self, snapshot: Snapshot, step: str) -> None:
        snapshot.intro.effects_done = [*snapshot.intro.effects_done, step]
        self.save(effects_done=snapshot.intro.effects_done)

    def fail(self, exc: BaseException) -> None:
        now = self.ctx.clock.now()
        with session_scope(self.ctx.engine) as session:
            intro = q.get_intro(session, intro_id=self.intro_id)
            attempts = intro.effects_attempts if intro else 1
            q.release_effects(session, intro_id=self.intro_id, token=self.token, retry_at=now + backoff(attempts),
                              error=f"{type(exc).__name__}: {exc}")


def _guarded(ctx: BotContext, intro_id: int, token: str, work) -> bool:
    run = _Run(ctx, intro_id, token)
    try:
        return work(run)
    except LeaseLost:
        log.info("introduction %s: lease taken over by another worker", intro_id)
        return False
    except Exception as exc:  # Slack down, DB hiccup: retried by the job with backoff
        log.warning("introduction %s: effects failed, will retry: %s", intro_id, exc)
        try:
            run.fail(exc)
        except Exception:  # database down too: the lease runs out and the job retries then
            log.exception("introduction %s: could not schedule the retry", intro_id)
        return False


# -- request: post for approval ----------------------------------------------------------
def post_approval_requests(ctx: BotContext, intro_id: int, token: str) -> bool:
    """Post the request to APPROVALS_CHANNEL, or to each manager by DM when it is unset."""
    return _guarded(ctx, intro_id, token, lambda run: _post_approvals(run))


def _post_approvals(run: _Run) -> bool:
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
            log.warning("introduction %s: approval post to %s failed: %s", run.intro_id, channel, _error(exc))
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
        _update_approval_messages(ctx, decided, approved=decided.intro.state != IntroState.DECLINED)
    return stored


# -- approval: channel, invites, topic, intro post, pin, DMs -------------------------------
def run_approval_effects(ctx: BotContext, intro_id: int, token: str) -> bool:
    return _guarded(ctx, intro_id, token, lambda run: _approval_effects(run))


def _approval_effects(run: _Run) -> bool:
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
        _create_channel(run, s)

    if "approval_updated" not in done:  # after the channel, so the request can link to it
        _update_approval_messages(ctx, s, approved=True)
        run.mark(s, "approval_updated")

    if "invited" not in done:
        failed = _invite(ctx, intro.channel_id, [*s.requester_users, *s.target_users, manager])
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
        _pin(client, intro.channel_id, intro.intro_message_ts)
        run.mark(s, "pinned_intro")
    pin_ts = rules_ts or (intro.intro_message_ts if outside else None)

    if pin_ts and "pinned" not in done:
        _pin(client, intro.channel_id, pin_ts)
        run.mark(s, "pinned")

    link = _link(ctx, intro.channel_id, intro.intro_message_ts)
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
            if _error(exc) not in UNDELIVERABLE_DM:
                raise
            log.warning("introduction %s: DM to %s failed: %s", intro.id, user, _error(exc))
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


def _pin(client, channel: str, ts: str) -> None:
    try:
        client.pins_add(channel=channel, timestamp=ts)
    except SlackApiError as exc:
        if _error(exc) != "already_pinned":
            raise


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


def _link(ctx: BotContext, channel: str, ts: str | None) -> str:
    if ts:
        try:
            return ctx.client.chat_getPermalink(channel=channel, message_ts=ts)["permalink"]
        except SlackApiError as exc:
            log.info("permalink for %s failed: %s", channel, _error(exc))
    return f"https://slack.com/app_redirect?channel={channel}"


def _invite(ctx: BotContext, channel: str, users: list[str]) -> dict[str, str]:
    """Invite each user separately, so one who cannot be invited does not stop the rest."""
    failed: dict[str, str] = {}
    for user in dict.fromkeys(u for u in users if u):
        try:
            ctx.client.conversations_invite(channel=channel, users=user)
        except SlackApiError as exc:
            error = _error(exc)
            if error in HARMLESS_INVITE:
                continue
            if error in UNINVITABLE:
                failed[user] = error
                continue
            raise
    return failed


def _bot_user_id(ctx: BotContext) -> str | None:
    if "bot_user_id" not in ctx.services:
        try:
            ctx.services["bot_user_id"] = ctx.client.auth_test()["user_id"]
        except SlackApiError:
            return None
    return ctx.services["bot_user_id"]


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
        log.info("conversations.list failed: %s", _error(exc))
    return None


def _create_channel(run: _Run, s: Snapshot) -> None:
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
            if _error(exc) != "name_taken":
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


def _use_recorded_channel(run: _Run, s: Snapshot) -> None:
    channel_id, name = run.patiently(lambda session: q.recorded_channel(session, intro_id=s.intro.id))
    if not channel_id:
        raise LeaseLost(s.intro.id)
    s.intro.channel_id, s.intro.channel_name = channel_id, name
    run.save()  # still ours? (raises LeaseLost otherwise)


def _await_recorded_channel(run: _Run, seconds: float = HANDOVER_WAIT) -> bool:
    deadline = time.monotonic() + seconds
    while True:
        channel_id, _ = run.patiently(lambda session: q.recorded_channel(session, intro_id=run.intro_id))
        if channel_id:
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.2)


def _update_approval_messages(ctx: BotContext, s: Snapshot, *, approved: bool, status: str | None = None) -> None:
    """Show the decision on the approval message(s); `status` is a live status line under it
    (consent, Slack Connect invitations)."""
    from bot.blocks.consent import status_block

    intro = s.intro
    decided = blocks.approval_decided(**_body_kwargs(s), approved=approved, manager_id=intro.decided_by or "",
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
            if not _slack_answered(exc):
                raise  # Slack is failing (5xx, rate limits past the client's retries): retry the step later
            # Slack refused it (e.g. the approval message was deleted): that must not hold up the introduction.
            log.warning("introduction %s: approval message update failed: %s", intro.id, _error(exc))


# -- decline / not a fit -----------------------------------------------------------------
def after_decline(ctx: BotContext, intro_id: int) -> None:
    from bot.text import escape

    s = load(ctx, intro_id)
    if s is None:
        return
    _update_approval_messages(ctx, s, approved=False)
    ctx.client.chat_postMessage(channel=s.intro.requester_user_id, unfurl_links=False, text=(
        f"Thank you for your request to be introduced to *{escape(s.target.name)}*. A vendor manager has "
        f"decided not to make this introduction for now.\n>Reason: {escape(s.intro.decline_reason)}\n"
        "You are welcome to run `/findpartner` again or reach out to the partner team."))


def after_not_a_fit(ctx: BotContext, intro_id: int, user_id: str, reason: str | None = None) -> None:
    s = load(ctx, intro_id)
    if s is None:
        return
    intro = s.intro
    if intro.channel_id and intro.intro_message_ts:
        original = blocks.intro_message(
            intro_id=intro.id, ask=s.ask, requester=s.requester, target=s.target,
            requester_user_ids=s.requester_users, target_user_ids=s.target_users, manager_id=intro.decided_by or "",
            score=intro.score, reasons=intro.reasons, rules=ctx.settings.rules_of_engagement,
            at=intro.decided_at)
        closed = blocks.intro_message_closed(original, company_name=s.target.name, user_id=user_id,
                                             at=intro.closed_at or ctx.clock.now())
        try:
            ctx.client.chat_update(channel=intro.channel_id, ts=intro.intro_message_ts, blocks=closed,
                                   text=f"{escape(s.target.name)} said this introduction is not a fit.")
        except SlackApiError as exc:
            log.warning("introduction %s: intro message update failed: %s", intro.id, _error(exc))
    why = f"\n>Their reason: {escape(reason)}" if reason else ""
    ctx.client.chat_postMessage(channel=intro.requester_user_id, unfurl_links=False, text=(
        f"*{escape(s.target.name)}* has said your introduction is not a fit this time, so it is closed.{why}\n"
        "Thanks for trying — `/findpartner` can suggest other partners."))


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
