"""Scheduled work for consent and Slack Connect (run by `serve`'s scheduler and `jobs run-due`).

- `intro_consent_expiry`: requests the proposed partner has not answered within CONSENT_DAYS
  are closed (a conditional UPDATE: one replica closes each) and the requester and manager told.
- `intro_connect_invites`: Slack Connect invitations still to send, or to retry after a failed
  call (backoff), each claimed with a lease before `conversations.inviteShared`.
- `intro_connect_reminders`: an invitation not accepted after 3 days: the requester and the
  manager are told once (claimed by setting `reminded_at`).
"""

from __future__ import annotations

from bot.introductions import connect, consent
from bot.scheduling import Job, every_minute

JOBS = [
    Job("intro_consent_expiry", consent.expire_due, every_minute),
    Job("intro_connect_invites", connect.send_due, every_minute),
    Job("intro_connect_reminders", connect.remind_due, every_minute),
]
