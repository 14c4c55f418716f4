"""Slack Connect: inviting each side's outside contacts (work emails) into the introduction
channel with `conversations.inviteShared`, following Slack's invitation events, and falling
back to a private channel where Slack Connect is refused.

Exactly once, as the other effects: each invitation is a `SharedInvite` row reserved when the
channel is made (unique per introduction and email), claimed with a lease before the call
(`models.connect_queries.claim`), its answer recorded by the claimer, a failed call released
with backoff for the job `intro_connect_invites`. Events move a row with conditional UPDATEs,
so a retried event or two replicas receiving one acceptance change (and announce) it once.

Slack's reference: https://docs.slack.dev/reference/methods/conversations.inviteShared (one
email per call, tier 2, `external_limited`, the errors below) and the events
shared_channel_invite_accepted / _approved / _declined
(https://docs.slack.dev/reference/slack-connect-api-reference).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from slack_sdk.errors import SlackApiError

from bot.blocks import consent as cblocks
from bot.context import BotContext
from bot.introductions import effects
from bot.introductions.service import ENTITY, LEASE, backoff, new_token
from bot.text import safe
from models import audit
from models import connect_queries as cq
from models.company import Company
from models.db import session_scope
from models.introduction import ConsentAnswer, IntroState
from models.shared_invite import InviteState, SharedInvite

log = logging.getLogger(__name__)

# Slack Connect is not available to this workspace or app: fall back to a private channel.
REFUSED = {"not_paid", "not_allowed_for_grid_workspace", "restricted_action", "not_supported",
           "enterprise_is_restricted", "cannot_share_cross_workspace_channel", "cannot_share_mandatory_channel",
           "invalid_channel_type", "not_owner", "missing_scope", "not_allowed_token_type", "no_permission",
           "access_denied", "team_access_not_granted", "legacy_connection_limit_exceeded"}
# This one invitation cannot be sent: reported to the manager (Retry / private channel).
CONTACT_FAILED = {"invalid_email", "user_not_found", "connection_limit_exceeded", "member_limit_exceeded",
                  "channel_not_found", "channel_archived", "invite_not_found", "too_many_emails"}
PLAIN_REASONS = {
    "invalid_email": "Slack says the email address is not valid",
    "user_not_found": "Slack could not find that person",
    "connection_limit_exceeded": "the channel has reached Slack's limit of outside organizations",
    "member_limit_exceeded": "the channel has reached Slack's limit of members",
    "channel_not_found": "the introduction channel no longer exists",
    "channel_archived": "the introduction channel was archived",
    "declined": "the invitation was declined",
    "not_paid": "Slack Connect needs a paid Slack plan",
    "not_allowed_for_grid_workspace": "Slack Connect is not enabled for this workspace",
    "restricted_action": "a workspace setting does not allow the bot to send Slack Connect invitations",
}
REMINDER_DAYS = 3


def plain_reason(error: str | None) -> str:
    return PLAIN_REASONS.get(error or "", f"Slack answered {error}")


# -- reserving (part of the approval effects, under the introduction's lease) --------------------
def outside_contacts(s: effects.Snapshot) -> list[tuple[int, str]]:
    contacts = []
    for company in (s.requester, s.target):
        if company.id is None:
            continue
        contacts += [(company.id, email) for email in (company.contact_emails or [])]
    return contacts


def reserve(ctx: BotContext, s: effects.Snapshot) -> int:
    contacts = outside_contacts(s)
    if not contacts:
        return 0
    with session_scope(ctx.engine) as session:
        return cq.reserve(session, intro_id=s.intro.id, contacts=contacts, now=ctx.clock.now())


# -- sending -------------------------------------------------------------------------------------
def send_due(ctx: BotContext, now: datetime | None = None, *, intro_id: int | None = None) -> int:
    """Send every invitation that is due (all of them, or one introduction's)."""
    now = now or ctx.clock.now()
    with session_scope(ctx.engine) as session:
        ids = cq.due(session, now=now, intro_id=intro_id)
    sent, touched = 0, set()
    for invite_id in ids:
        try:
            result = _send_one(ctx, invite_id, now)
        except Exception:  # one invitation must not stop the others
            log.exception("Slack Connect invitation %s failed", invite_id)
            continue
        if result is not None:
            touched.add(result[0])
            sent += result[1]
    for changed in touched:
        update_status(ctx, changed)
    return sent


def _send_one(ctx: BotContext, invite_id: int, now: datetime) -> tuple[int, int] | None:
    token = new_token()
    with session_scope(ctx.engine) as session:
        if not cq.claim(session, row_id=invite_id, token=token, now=now, lease_until=now + LEASE):
            return None  # another worker has it
        row = cq.get(session, row_id=invite_id)
    s = effects.load(ctx, row.introduction_id)
    if s is None or not s.intro.channel_id or s.intro.state not in (IntroState.APPROVED, IntroState.INTRODUCED):
        with session_scope(ctx.engine) as session:  # nothing to invite into (closed meanwhile)
            cq.record(session, row_id=invite_id, token=token, state=InviteState.SKIPPED.value,
                      error="introduction closed", next_attempt_at=None, updated_at=now)
        return row.introduction_id, 0
    if s.intro.connect_fallback:
        with session_scope(ctx.engine) as session:
            cq.record(session, row_id=invite_id, token=token, state=InviteState.SKIPPED.value,
                      error=s.intro.connect_fallback, next_attempt_at=None, updated_at=now)
        return row.introduction_id, 0
    try:
        member = _workspace_member(ctx, row.email)
        if member is not None:  # a member or guest of this workspace: invited directly, no Slack Connect
            return row.introduction_id, _invite_member(ctx, s, row, token, member, now)
    except Exception as exc:  # Slack trouble: retried with backoff
        _release(ctx, row, token, effects._error(exc) if isinstance(exc, SlackApiError) else str(exc), now)
        return row.introduction_id, 0
    try:
        resp = ctx.client.conversations_inviteShared(
            channel=s.intro.channel_id, emails=[row.email],
            # Sent as a query string (slack_sdk uses GET here): Slack's spelling of booleans.
            external_limited="true" if ctx.settings.connect_external_limited else "false")
    except SlackApiError as exc:
        return row.introduction_id, _answered_error(ctx, s, row, token, effects._error(exc), now)
    except Exception as exc:  # network: retried with backoff
        _release(ctx, row, token, f"{type(exc).__name__}: {exc}", now)
        return row.introduction_id, 0
    with session_scope(ctx.engine) as session:
        cq.record(session, row_id=invite_id, token=token, state=InviteState.INVITED.value,
                  invite_id=str(resp.get("invite_id") or "")[:64] or None, invited_at=now, error=None,
                  next_attempt_at=None, updated_at=now)
        audit.record(session, actor="system", action="intro_connect_invited", entity=ENTITY,
                     entity_id=row.introduction_id, detail={"invite": invite_id, "company_id": row.company_id},
                     at=now)
    _consent_asked(ctx, s, row, now)
    return row.introduction_id, 1


def _workspace_member(ctx: BotContext, email: str) -> str | None:
    """The id of this workspace's (non-deleted) user with that email, if any
    (users.lookupByEmail, scope users:read.email: https://docs.slack.dev/reference/methods/users.lookupByEmail).
    "Not found" means an outside contact; Slack trouble is retried later."""
    try:
        user = ctx.client.users_lookupByEmail(email=email).get("user") or {}
    except SlackApiError as exc:
        error = effects._error(exc)
        if error in ("users_not_found", "user_not_found"):
            return None
        if error in ("missing_scope", "not_allowed_token_type", "no_permission", "access_denied"):
            log.warning("users.lookupByEmail refused (%s): contacts go through Slack Connect", error)
            return None  # an install without users:read.email still invites through Slack Connect
        raise
    if user.get("deleted") or user.get("is_bot") or user.get("is_stranger"):
        return None
    return user.get("id")


def _invite_member(ctx: BotContext, s: effects.Snapshot, row: SharedInvite, token: str, user_id: str,
                   now: datetime) -> int:
    try:
        ctx.client.conversations_invite(channel=s.intro.channel_id, users=user_id)
    except SlackApiError as exc:
        error = effects._error(exc)
        if error not in effects.HARMLESS_INVITE:
            if error in effects.UNINVITABLE:
                return _answered_error(ctx, s, row, token, "user_not_found", now)
            raise
    with session_scope(ctx.engine) as session:
        cq.record(session, row_id=row.id, token=token, state=InviteState.APPROVED.value, error="workspace member",
                  invited_at=now, answered_at=now, next_attempt_at=None, updated_at=now)
        audit.record(session, actor="system", action="intro_connect_member", entity=ENTITY,
                     entity_id=row.introduction_id, detail={"invite": row.id}, at=now)
    return 1


def _answered_error(ctx: BotContext, s: effects.Snapshot, row: SharedInvite, token: str, error: str,
                    now: datetime) -> int:
    values = {"error": error[:200], "next_attempt_at": None, "updated_at": now}
    if error == "already_in_channel":  # they are in: nothing more to do
        state = InviteState.APPROVED.value
        values["answered_at"] = now
    elif error == "connection_limit_exceeded_pending":  # an earlier call reached Slack; its answer was lost
        state = InviteState.INVITED.value
        values["invited_at"] = now
    elif error in REFUSED:
        state = InviteState.SKIPPED.value
    elif error in CONTACT_FAILED:
        state = InviteState.FAILED.value
    else:  # rate limit, Slack trouble: try again later
        _release(ctx, row, token, error, now)
        return 0
    with session_scope(ctx.engine) as session:
        cq.record(session, row_id=row.id, token=token, state=state, **values)
        audit.record(session, actor="system", action=f"intro_connect_{state}", entity=ENTITY,
                     entity_id=row.introduction_id, detail={"invite": row.id, "error": error}, at=now)
    if error in REFUSED:
        fall_back(ctx, s.intro.id, error)
    elif state == InviteState.FAILED.value:
        report(ctx, row.id)
    return 0


def _release(ctx: BotContext, row: SharedInvite, token: str, error: str, now: datetime) -> None:
    log.warning("Slack Connect invitation %s: will retry: %s", row.id, error)
    with session_scope(ctx.engine) as session:
        attempts = (cq.get(session, row_id=row.id) or row).attempts
        cq.record(session, row_id=row.id, token=token, next_attempt_at=now + backoff(attempts),
                  error=error[:200], updated_at=now)


def _consent_asked(ctx: BotContext, s: effects.Snapshot, row: SharedInvite, now: datetime) -> None:
    """A proposed partner with only outside contacts consents by accepting the invitation."""
    if not ctx.settings.intro_consent or row.company_id != s.intro.target_company_id or s.target_users:
        return
    from sqlalchemy import update

    from models.introduction import Introduction

    with session_scope(ctx.engine) as session:
        session.connection().execute(update(Introduction).where(
            Introduction.id == s.intro.id, Introduction.consent_asked_at.is_(None)).values(consent_asked_at=now))


# -- fallback --------------------------------------------------------------------------------------
def fall_back(ctx: BotContext, intro_id: int, error: str) -> bool:
    """Slack Connect refused: the channel stays private for the workspace's own members; said
    once, in the channel and to the manager and requester."""
    now = ctx.clock.now()
    with session_scope(ctx.engine) as session:
        first = cq.set_fallback(session, intro_id=intro_id, error=error)
        cq.skip_pending(session, intro_id=intro_id, error=error, now=now)
        if first:
            audit.record(session, actor="system", action="intro_connect_fallback", entity=ENTITY,
                         entity_id=intro_id, detail={"error": error}, at=now)
        rows = cq.invites_for(session, intro_id=intro_id)
    if not first:
        return False
    s = effects.load(ctx, intro_id)
    if s is None:
        return True
    left_out = _company_names(ctx, {r.company_id for r in rows})
    alone = [name for cid, name in left_out.items()
             if (cid == s.target.id and not s.target_users)]
    text = (f":information_source: Slack Connect is not available here ({plain_reason(error)}), so this stays a "
            f"private channel for the members of this workspace. The outside contacts of "
            f"{', '.join(f'*{safe(n, 120)}*' for n in left_out.values())} were not invited; a vendor manager "
            "can add them as guests.")
    if alone:
        text += (f" {', '.join(f'*{safe(n, 120)}*' for n in alone)} has nobody in this workspace yet, so the "
                 "introduction cannot reach them until someone is added.")
    for channel in dict.fromkeys([s.intro.channel_id, s.intro.decided_by, s.intro.requester_user_id]):
        if channel:
            _post(ctx, channel, text)
    return True


# -- events ----------------------------------------------------------------------------------------
def on_event(ctx: BotContext, event: dict) -> bool:
    """shared_channel_invite_accepted / _approved / _declined: move the invitation once."""
    kind = event.get("type")
    invite = event.get("invite") or {}
    channel = (event.get("channel") or {}).get("id")
    now = ctx.clock.now()
    with session_scope(ctx.engine) as session:
        row = cq.find_by_slack(session, slack_invite_id=invite.get("id"), channel_id=channel,
                               email=invite.get("recipient_email"))
        if row is None:
            log.info("Slack Connect event %s for an invitation we did not send", kind)
            return False
        waiting = [InviteState.PENDING, InviteState.INVITED]
        if kind == "shared_channel_invite_accepted" and event.get("approval_required"):
            changed = cq.move(session, row_id=row.id, from_states=waiting, to_state=InviteState.ACCEPTED,
                              now=now, answered_at=now)
        elif kind in ("shared_channel_invite_accepted", "shared_channel_invite_approved"):
            changed = cq.move(session, row_id=row.id, from_states=[*waiting, InviteState.ACCEPTED],
                              to_state=InviteState.APPROVED, now=now, answered_at=now)
        elif kind == "shared_channel_invite_declined":
            changed = cq.move(session, row_id=row.id, from_states=[*waiting, InviteState.ACCEPTED],
                              to_state=InviteState.DECLINED, now=now, answered_at=now, error="declined")
        else:
            return False
        if changed:
            audit.record(session, actor="slack", action=f"intro_connect_{kind.rsplit('_', 1)[1]}", entity=ENTITY,
                         entity_id=row.introduction_id, detail={"invite": row.id}, at=now)
        invite_row_id, intro_id = row.id, row.introduction_id
    if not changed:  # a retry, or another replica got there first
        return False
    s = effects.load(ctx, intro_id)
    if s is not None:
        _record_consent(ctx, s, now)
        if kind == "shared_channel_invite_declined":
            report(ctx, invite_row_id)
        elif kind != "shared_channel_invite_accepted" or not event.get("approval_required"):
            _announce_joined(ctx, s, invite_row_id)
    update_status(ctx, intro_id)
    return True


def _record_consent(ctx: BotContext, s: effects.Snapshot, now: datetime) -> None:
    """Outside-only proposed partner: its first acceptance is its consent; all declined, a no."""
    if not ctx.settings.intro_consent or s.target_users or s.intro.consent_answer:
        return
    with session_scope(ctx.engine) as session:
        rows = [r for r in cq.invites_for(session, intro_id=s.intro.id) if r.company_id == s.intro.target_company_id]
    states = {r.state for r in rows}
    if states & {InviteState.ACCEPTED.value, InviteState.APPROVED.value}:
        answer = ConsentAnswer.ACCEPTED.value
    elif rows and states <= {InviteState.DECLINED.value}:
        answer = ConsentAnswer.DECLINED.value
    else:
        return
    from sqlalchemy import update

    from models.introduction import Introduction

    with session_scope(ctx.engine) as session:
        session.connection().execute(update(Introduction).where(
            Introduction.id == s.intro.id, Introduction.consent_answer.is_(None)).values(
            consent_answer=answer, consent_answered_at=now, consent_by="slack-connect"))


def _announce_joined(ctx: BotContext, s: effects.Snapshot, invite_row_id: int) -> None:
    with session_scope(ctx.engine) as session:
        row = cq.get(session, row_id=invite_row_id)
        company = session.get(Company, row.company_id)
    name = safe(company.name if company else "the partner", 120)
    link = f"<#{s.intro.channel_id}>" if s.intro.channel_id else "the introduction channel"
    _post(ctx, s.intro.requester_user_id,
          f":link: {safe(row.email, 254)} of *{name}* accepted the invitation and joined {link}. "
          "The introduction is pinned there.")


# -- manager's report, Retry, private channel -------------------------------------------------
def report(ctx: BotContext, invite_row_id: int) -> None:
    """Tell the approving manager once that an invitation failed or was declined."""
    now = ctx.clock.now()
    with session_scope(ctx.engine) as session:
        if not cq.claim_once(session, row_id=invite_row_id, column="reported_at", now=now):
            return
        row = cq.get(session, row_id=invite_row_id)
        company = session.get(Company, row.company_id)
    s = effects.load(ctx, row.introduction_id)
    if s is None or not s.intro.decided_by:
        return
    blocks = cblocks.connect_report(intro_id=s.intro.id, email=row.email,
                                    company_name=company.name if company else "the partner",
                                    reason=plain_reason(row.error), channel_id=s.intro.channel_id,
                                    invite_id=row.id)
    try:
        ctx.client.chat_postMessage(channel=s.intro.decided_by, blocks=blocks, unfurl_links=False,
                                    text=f"A Slack Connect invitation for "
                                         f"{safe(company.name if company else 'the partner', 120)} did not go through")
    except SlackApiError as exc:
        log.warning("introduction %s: report to the manager failed: %s", s.intro.id, effects._error(exc))


def retry(ctx: BotContext, *, invite_row_id: int, manager_id: str) -> str:
    if not ctx.settings.is_manager(manager_id):
        return "Only vendor managers can do this."
    now = ctx.clock.now()
    with session_scope(ctx.engine) as session:
        changed = cq.move(session, row_id=invite_row_id, from_states=[InviteState.FAILED, InviteState.DECLINED],
                          to_state=InviteState.PENDING, now=now, next_attempt_at=None, reported_at=None,
                          error=None, invite_id=None)
        row = cq.get(session, row_id=invite_row_id)
        if changed:
            audit.record(session, actor=manager_id, action="intro_connect_retry", entity=ENTITY,
                         entity_id=row.introduction_id, detail={"invite": invite_row_id}, at=now)
    if not changed:
        return "This invitation is no longer waiting for a decision."
    send_due(ctx, now, intro_id=row.introduction_id)
    with session_scope(ctx.engine) as session:
        row = cq.get(session, row_id=invite_row_id)
    if row.state == InviteState.INVITED:
        return f"Sent again to {safe(row.email, 254)}."
    return f"Retrying the invitation to {safe(row.email, 254)}: {safe(plain_reason(row.error), 200)}."


def use_private(ctx: BotContext, *, invite_row_id: int, manager_id: str) -> str:
    if not ctx.settings.is_manager(manager_id):
        return "Only vendor managers can do this."
    now = ctx.clock.now()
    with session_scope(ctx.engine) as session:
        changed = cq.move(session, row_id=invite_row_id, from_states=[InviteState.FAILED, InviteState.DECLINED],
                          to_state=InviteState.SKIPPED, now=now, error="manager chose a private channel")
        row = cq.get(session, row_id=invite_row_id)
        if changed:
            audit.record(session, actor=manager_id, action="intro_connect_private", entity=ENTITY,
                         entity_id=row.introduction_id, detail={"invite": invite_row_id}, at=now)
    if not changed:
        return "This invitation is no longer waiting for a decision."
    update_status(ctx, row.introduction_id)
    return (f"OK: the channel stays private for the members of this workspace; {safe(row.email, 254)} is not "
            "invited. You can add them as a guest by hand.")


# -- reminders -------------------------------------------------------------------------------------
def remind_due(ctx: BotContext, now: datetime) -> int:
    """Once, REMINDER_DAYS after an invitation that is still not accepted: tell the requester
    and the manager (Slack has no "resend": a second invitation is refused while one is pending)."""
    with session_scope(ctx.engine) as session:
        due = cq.due_reminders(session, invited_before=now - timedelta(days=REMINDER_DAYS))
    sent = 0
    for invite_row_id in due:
        with session_scope(ctx.engine) as session:
            if not cq.claim_once(session, row_id=invite_row_id, column="reminded_at", now=now):
                continue
            row = cq.get(session, row_id=invite_row_id)
            company = session.get(Company, row.company_id)
        s = effects.load(ctx, row.introduction_id)
        if s is None:
            continue
        name = safe(company.name if company else "the partner", 120)
        text = (f":alarm_clock: {safe(row.email, 254)} of *{name}* has not accepted the Slack Connect invitation "
                f"to <#{s.intro.channel_id}> sent {REMINDER_DAYS} days ago. A short note to them may help — "
                "Slack's invitation email expires after 14 days.")
        for user in dict.fromkeys([s.intro.requester_user_id, s.intro.decided_by]):
            if user:
                _post(ctx, user, text)
        sent += 1
    return sent


# -- the live status line ----------------------------------------------------------------------------
STATE_WORDS = {
    InviteState.PENDING.value: "invitation being sent",
    InviteState.INVITED.value: "invited, waiting for {who} to accept",
    InviteState.ACCEPTED.value: "{who} accepted, waiting for their Slack admin to approve",
    InviteState.APPROVED.value: "{who} joined",  # also: a workspace member invited directly
    InviteState.DECLINED.value: "{who} declined",
    InviteState.FAILED.value: "could not invite {who}: {reason}",
    InviteState.SKIPPED.value: "{who} not invited ({reason})",
}


def status_lines(ctx: BotContext, intro_id: int) -> list[str]:
    with session_scope(ctx.engine) as session:
        rows = cq.invites_for(session, intro_id=intro_id)
    names = _company_names(ctx, {r.company_id for r in rows})
    lines = []
    for row in rows:
        words = STATE_WORDS.get(row.state, row.state).format(who=safe(row.email, 254),
                                                             reason=safe(plain_reason(row.error), 200))
        lines.append(f"• *{safe(names.get(row.company_id, ''), 120)}*: {words}")
    return lines


def update_status(ctx: BotContext, intro_id: int) -> None:
    from bot.introductions import consent

    s = effects.load(ctx, intro_id)
    if s is None or not s.intro.approval_messages:
        return
    lines = status_lines(ctx, intro_id)
    if s.intro.connect_fallback:
        reason = safe(plain_reason(s.intro.connect_fallback), 200)
        lines.append(f":information_source: Slack Connect refused ({reason}): "
                     "a private channel for this workspace's members.")
    if not lines:  # nobody outside the workspace: the decision alone says it all
        return
    consent.update_approval_status(ctx, s, extra="*Slack Connect*\n" + "\n".join(lines[:20]))


# -- helpers -----------------------------------------------------------------------------------------
def _company_names(ctx: BotContext, ids: set[int]) -> dict[int, str]:
    with session_scope(ctx.engine) as session:
        return {cid: (session.get(Company, cid).name if session.get(Company, cid) else "") for cid in sorted(ids)}


def _post(ctx: BotContext, channel: str, text: str) -> None:
    try:
        ctx.client.chat_postMessage(channel=channel, text=text, unfurl_links=False)
    except SlackApiError as exc:
        log.warning("could not post to %s: %s", channel, effects._error(exc))
