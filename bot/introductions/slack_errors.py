"""How the introductions' Slack calls fail: the error codes that are someone's situation (reported,
the rest goes on) rather than a failure to retry."""

from __future__ import annotations

from slack_sdk.errors import SlackApiError

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


def slack_answered(exc: SlackApiError) -> bool:
    """Slack answered the call with `ok: false` (a refusal that a retry would not change), as
    opposed to not answering it properly (5xx, 429 past the client's own retries)."""
    status = getattr(exc.response, "status_code", 200)
    return status == 200 and bool(exc.response.get("error"))


def error_code(exc: SlackApiError) -> str:
    try:
        return str(exc.response.get("error") or exc.response.status_code)
    except Exception:  # noqa: BLE001 - any odd response still gets a message
        return str(exc)
