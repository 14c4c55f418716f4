"""Scheduled work for consent and Slack Connect (run by `serve`'s scheduler and `jobs run-due`).

- `intro_consent_expiry`: requests the proposed partner has not answered within CONSENT_DAYS
  are closed (a conditional UPDATE: one replica closes each) and the requester and manager told.
"""

from __future__ import annotations

from bot.introductions import consent
from bot.scheduling import Job, every_minute

JOBS = [
    Job("intro_consent_expiry", consent.expire_due, every_minute),
]
