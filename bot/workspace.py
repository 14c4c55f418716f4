"""The installed workspace's identity (`auth.test`), fetched at start with retries.

Bolt would call `auth.test` on the first request instead, and when Slack fails right then it
answers that user "your installation is no longer available, please reinstall" — untrue.
Here `serve` fetches it before taking traffic; a request that still finds no identity (Slack
failing since the start) tries once more and, failing, is told that Slack is unreachable
(handlers/middleware/guards.py), and an event is answered 500 so that Slack retries it.
"""

from __future__ import annotations

import logging
import threading
import time

from slack_bolt.authorization import AuthorizeResult
from slack_sdk import WebClient

log = logging.getLogger(__name__)


class SlackUnavailable(Exception):
    """Slack did not answer auth.test: the request cannot be authorized right now."""


class WorkspaceIdentity:
    def __init__(self, client: WebClient) -> None:
        self.client = client
        self._result: AuthorizeResult | None = None
        self._lock = threading.Lock()

    @property
    def known(self) -> bool:
        return self._result is not None

    def fetch(self, *, attempts: int = 1, backoff: float = 1.0, client: WebClient | None = None) -> bool:
        """Call auth.test (each call already retries 429/5xx/dropped connections); True once known."""
        client = client or self.client
        for attempt in range(attempts):
            if self._result is not None:
                return True
            try:
                response = client.auth_test()
            except Exception as exc:  # unreachable, 5xx after the client's retries, an API error
                log.warning("auth.test failed (attempt %d of %d): %s", attempt + 1, attempts, exc)
                if attempt + 1 < attempts:
                    time.sleep(backoff * 2**attempt)
                continue
            with self._lock:
                self._result = AuthorizeResult.from_auth_test_response(
                    auth_test_response=response, bot_token=self.client.token)
            log.info("workspace identity: team %s, bot user %s", self._result.team_id, self._result.bot_user_id)
            return True
        return False

    def authorize(self, enterprise_id=None, team_id=None, user_id=None) -> AuthorizeResult:
        """Bolt's `authorize` function: the identity fetched at start (or now, once, quickly:
        the request must still be answered within Slack's 3 seconds)."""
        if self._result is None and not self._fetch_quickly():
            raise SlackUnavailable("auth.test failed: Slack is unreachable or failing")
        assert self._result is not None
        return self._result


    def _fetch_quickly(self) -> bool:
        quick = WebClient(token=self.client.token, base_url=self.client.base_url, timeout=1, retry_handlers=[])
        return self.fetch(attempts=1, client=quick)


def identity_of(ctx) -> WorkspaceIdentity:
    identity = ctx.services.get("workspace")
    if identity is None:
        identity = ctx.services["workspace"] = WorkspaceIdentity(ctx.client)
    return identity
