"""Slack Connect in the fake Slack: `conversations.inviteShared`, `conversations.info` flags, and
the `shared_channel_invite_*` events, as Slack documents them.

Sources (read 2026-12 through the docs search):
- https://docs.slack.dev/reference/methods/conversations.inviteShared — one email or one user
  id per call ("only one email or one user ID may be invited at a time"), `external_limited`
  defaults to true, tier 2; errors used here: `invalid_email`, `already_in_channel`,
  `channel_not_found`, `connection_limit_exceeded`, `connection_limit_exceeded_pending`,
  `restricted_action` (a team preference forbids this kind of invitation, or no recipient),
  `not_paid` (free plans), `not_allowed_for_grid_workspace` (Slack Connect not enabled),
  `too_many_emails`, `user_not_found`. The success answer is
  `{"ok": true, "invite_id": "I…", "is_legacy_shared_channel": false}` (no `url`/`conf_code`
  when external_limited is true).
- https://docs.slack.dev/reference/events/shared_channel_invite_accepted (with
  `approval_required`, `invite`, `channel`, `teams_in_channel`, `accepting_user`),
  .../shared_channel_invite_approved (`approving_team_id`, `approving_user`) and
  .../shared_channel_invite_declined (`declining_team_id`, `declining_user`); scope
  `conversations.connect:read` (https://docs.slack.dev/reference/slack-connect-api-reference).
- A channel becomes a Slack Connect channel when someone from another organization joins:
  `is_ext_shared` true; while an accepted invitation waits for an admin's approval the channel
  is `is_pending_ext_shared`.

`connection_limit_exceeded_pending` ("This channel already has a pending invite") is modelled
per recipient: a second invitation to an address whose invitation is still pending.

Use: `connect = SlackConnect(fake)` hooks into the FakeSlack (its `extensions`); the test then
plays the outside contact with `connect.accept(...)`, `approve(...)`, `decline(...)`, each of
which changes the channel and returns the event Slack would send to the bot.
"""

from __future__ import annotations

import itertools
import re
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from tests.fakeslack import BOT_USER_ID, TEAM_ID, FakeSlack

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass
class Invite:
    id: str
    channel: str
    email: str
    external_limited: bool
    state: str = "pending"  # pending -> accepted (-> approved) | declined
    team: str = ""  # the outside organization's team id (one per email domain)
    created: int = field(default_factory=lambda: int(time.time()))


@dataclass
class SharedChannel:
    id: str
    connected_teams: set[str] = field(default_factory=set)
    pending_teams: set[str] = field(default_factory=set)
    members: set[str] = field(default_factory=set)  # outside addresses who joined


class SlackConnect:
    def __init__(self, fake: FakeSlack) -> None:
        self.fake = fake
        # Set to a documented error ("not_paid", "not_allowed_for_grid_workspace",
        # "restricted_action") to play a workspace where Slack Connect is refused.
        self.refused: str | None = None
        # The workspace only allows "can post only" invitations (external_limited=true).
        self.only_limited = False
        self.invalid_emails: set[str] = set()  # addresses Slack answers invalid_email for
        self.connection_limit = 250  # outside organizations per channel
        self.invites: dict[str, Invite] = {}
        self.channels: dict[str, SharedChannel] = {}
        self._ids = itertools.count(1)
        self._teams: dict[str, str] = {}
        self._lock = threading.Lock()
        fake.extensions.append(self)

    # -- the Web API ---------------------------------------------------------------------
    def answer(self, method: str, args: dict[str, Any]) -> dict | None:
        if method == "conversations.inviteShared":
            return self._invite_shared(args)
        if method == "conversations.info":
            return self._info(args)
        if method == "users.lookupByEmail":
            return self._lookup(args)
        return None

    def _lookup(self, args: dict[str, Any]) -> dict:
        """users.lookupByEmail (https://docs.slack.dev/reference/methods/users.lookupByEmail): this
        workspace's users (FakeSlack.users with a profile email); else `users_not_found`."""
        email = str(args.get("email") or "").lower()
        for user in self.fake.users.values():
            if str((user.get("profile") or {}).get("email", "")).lower() == email:
                return {"ok": True, "user": user}
        return {"ok": False, "error": "users_not_found"}

    def _known_channels(self) -> set[str]:
        made = set()
        for call in self.fake.calls_to("conversations.create"):
            answer = call.args.get("_answer") or {}
            if answer.get("ok"):
                made.add(answer["channel"]["id"])
        return made

    def _invite_shared(self, args: dict[str, Any]) -> dict:
        channel = str(args.get("channel") or "")
        emails = _as_list(args.get("emails"))
        user_ids = _as_list(args.get("user_ids"))
        limited = str(args.get("external_limited", "true")).lower() not in ("false", "0")
        if self.refused:
            return {"ok": False, "error": self.refused}
        if not emails and not user_ids:
            return {"ok": False, "error": "restricted_action"}
        if len(emails) + len(user_ids) > 1:
            return {"ok": False, "error": "too_many_emails"}
        if not limited and self.only_limited:
            return {"ok": False, "error": "restricted_action"}
        if channel not in self._known_channels():
            return {"ok": False, "error": "channel_not_found"}
        if user_ids:
            if user_ids[0] not in self.fake.users:
                return {"ok": False, "error": "user_not_found"}
            return {"ok": False, "error": "already_in_channel"}  # users we know are in this workspace
        email = emails[0].strip()
        if not _EMAIL.match(email) or email.lower() in self.invalid_emails:
            return {"ok": False, "error": "invalid_email"}
        with self._lock:
            shared = self.channels.setdefault(channel, SharedChannel(channel))
            if email.lower() in shared.members:
                return {"ok": False, "error": "already_in_channel"}
            if any(i.channel == channel and i.email.lower() == email.lower() and i.state == "pending"
                   for i in self.invites.values()):
                return {"ok": False, "error": "connection_limit_exceeded_pending"}
            team = self._team_of(email)
            if team not in shared.connected_teams and len(shared.connected_teams) >= self.connection_limit:
                return {"ok": False, "error": "connection_limit_exceeded"}
            invite = Invite(id=f"I{next(self._ids):09d}", channel=channel, email=email, external_limited=limited,
                            team=team)
            self.invites[invite.id] = invite
        answer = {"ok": True, "invite_id": invite.id, "is_legacy_shared_channel": False}
        if not limited:
            answer.update(url=f"https://join.slack.com/share/{invite.id}", conf_code=invite.id[-6:])
        return answer

    def _info(self, args: dict[str, Any]) -> dict:
        channel = str(args.get("channel") or "")
        if channel not in self._known_channels():
            return {"ok": False, "error": "channel_not_found"}
        shared = self.channels.get(channel) or SharedChannel(channel)
        return {"ok": True, "channel": {
            "id": channel, "is_private": True, "is_channel": False, "is_group": True,
            "is_shared": bool(shared.connected_teams), "is_ext_shared": bool(shared.connected_teams),
            "is_pending_ext_shared": bool(shared.pending_teams),
            "pending_connected_team_ids": sorted(shared.pending_teams),
            "connected_team_ids": [TEAM_ID, *sorted(shared.connected_teams)],
        }}

    # -- the outside contact and its admin -------------------------------------------------
    def invite_for(self, email: str) -> Invite:
        matches = [i for i in self.invites.values() if i.email.lower() == email.lower()]
        if not matches:
            raise AssertionError(f"no Slack Connect invitation was sent to {email}")
        return matches[-1]

    def accept(self, email: str, *, approval_required: bool = False) -> dict:
        """The contact accepts; with `approval_required` their admin must still approve."""
        invite = self.invite_for(email)
        with self._lock:
            shared = self.channels.setdefault(invite.channel, SharedChannel(invite.channel))
            if approval_required:
                invite.state = "accepted"
                shared.pending_teams.add(invite.team)
            else:
                self._join(invite, shared)
        return self._event("shared_channel_invite_accepted", invite, approval_required=approval_required,
                           accepting_user=self._user(invite))

    def approve(self, email: str) -> dict:
        invite = self.invite_for(email)
        with self._lock:
            shared = self.channels.setdefault(invite.channel, SharedChannel(invite.channel))
            self._join(invite, shared)
        return self._event("shared_channel_invite_approved", invite, approving_team_id=invite.team,
                           approving_user=self._user(invite, "admin"))

    def decline(self, email: str) -> dict:
        invite = self.invite_for(email)
        with self._lock:
            invite.state = "declined"
            shared = self.channels.get(invite.channel)
            if shared is not None:
                shared.pending_teams.discard(invite.team)
        return self._event("shared_channel_invite_declined", invite, declining_team_id=invite.team,
                           declining_user=self._user(invite))

    def _join(self, invite: Invite, shared: SharedChannel) -> None:
        invite.state = "approved"
        shared.pending_teams.discard(invite.team)
        shared.connected_teams.add(invite.team)
        shared.members.add(invite.email.lower())

    # -- payloads ------------------------------------------------------------------------
    def _team_of(self, email: str) -> str:
        domain = email.rsplit("@", 1)[-1].lower()
        return self._teams.setdefault(domain, f"TEXT{len(self._teams) + 1:05d}")

    def _user(self, invite: Invite, role: str = "user") -> dict:
        local = invite.email.split("@")[0]
        return {"id": f"U{invite.team[1:]}{role[:1].upper()}", "team_id": invite.team, "name": local,
                "updated": invite.created, "profile": {"real_name": local.title(), "display_name": local,
                                                       "team": invite.team}}

    def _event(self, kind: str, invite: Invite, **extra: Any) -> dict:
        shared = self.channels.get(invite.channel) or SharedChannel(invite.channel)
        return {
            "type": kind,
            "invite": {
                "id": invite.id, "date_created": invite.created, "date_invalid": invite.created + 14 * 86400,
                "inviting_team": {"id": TEAM_ID, "name": "Partners", "domain": "partners", "is_verified": False},
                "inviting_user": {"id": BOT_USER_ID, "team_id": TEAM_ID, "name": "partnerbot"},
                "recipient_email": invite.email,
            },
            "channel": {"id": invite.channel, "is_private": True, "is_im": False, "name": invite.channel.lower()},
            "teams_in_channel": [{"id": t} for t in [TEAM_ID, *sorted(shared.connected_teams)]],
            **extra,
            "event_ts": f"{time.time():.6f}",
        }


def _as_list(value: Any) -> list[str]:
    """slack_sdk sends arrays as a comma-joined string in form posts, or a JSON list."""
    if value is None or value == "":
        return []
    if isinstance(value, list):
        return [str(v) for v in value if str(v)]
    return [v for v in str(value).split(",") if v]
