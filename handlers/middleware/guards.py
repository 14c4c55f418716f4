"""Global guards run on every signed request, before any listener:

1. a request from another workspace than the installed one is ignored (200, nothing runs);
2. a Slack retry of a request already received is acknowledged and skipped (claim row);

and the global error handler: a request no listener handles (Bolt's `BoltUnhandledRequestError`,
with `raise_error_for_unhandled_request=True`) is acknowledged (200) instead of Bolt's 404, which
Slack shows as an error on the button, or answers with retries (events), and its claim is
released so it leaves no row; a database outage gets the user a clear "try again".
"""

from __future__ import annotations

import json
import logging

from slack_bolt import App, BoltRequest, BoltResponse
from slack_bolt.error import BoltUnhandledRequestError

from bot import gcwatch
from bot.blocks.notices import (DB_UNAVAILABLE, SLACK_UNAVAILABLE, SOMETHING_WRONG, db_unavailable_message,
                                notice_modal)
from bot.context import BotContext
from bot.guards import claim_once, is_database_unavailable, is_foreign_team, release_claim, request_claim_key
from bot.workspace import SlackUnavailable

log = logging.getLogger(__name__)


def _ignored(why: str, body) -> BoltResponse:
    log.info("ignored a request (%s): type=%s", why, body.get("type") if isinstance(body, dict) else None)
    return BoltResponse(status=200, body="")


def register(app: App, ctx: BotContext) -> None:
    def ignore_foreign_team(context, body, next):
        installed = context.authorize_result.team_id if context.authorize_result else None
        if is_foreign_team(body, installed):
            return _ignored("another workspace", body)
        return next()

    def skip_slack_retries(request: BoltRequest, body, next):
        retry = (request.headers.get("x-slack-retry-num") or [None])[0]
        key = request_claim_key(body, request.raw_body, is_retry=retry is not None)
        if key is not None:
            if not claim_once(ctx.engine, key=key, now=ctx.clock.now()):
                return _ignored(f"already received {key}, retry {retry}", body)
            request.context["partnerbot_claim"] = key  # released if no listener handles it
        return next()

    app.use(ignore_foreign_team)
    app.use(skip_slack_retries)

    def handle_error(error, body, request, response, logger):
        """Global handler for listener and middleware errors."""
        if isinstance(error, BoltUnhandledRequestError):
            # Bolt would answer 404: a warning icon on the user's button, retries for an event.
            key = request.context.get("partnerbot_claim")
            if key is not None:
                try:
                    release_claim(ctx.engine, key=key)
                except Exception:  # a row left behind is pruned after a day; the answer stays 200
                    log.exception("could not release the claim %s", key)
            return _ignored("no listener", body)
        if request.context.get("partnerbot_overdue"):
            logger.warning("error after the request was answered for: %s", error)
            return None  # the server already answered and told the user (bot/intake.py)
        if isinstance(error, SlackUnavailable):
            logger.warning("request not authorized: %s", error)
            reply = tell_user(ctx, body, request, acknowledged=response is None, text=SLACK_UNAVAILABLE)
            return reply if response is not None else None
        if not is_database_unavailable(error):
            logger.exception("unhandled error: %s", error)
            # Whatever broke, the user hears that it did instead of a spinner or silence.
            reply = tell_user(ctx, body, request, acknowledged=response is None, text=SOMETHING_WRONG)
            return reply if response is not None else None
        logger.warning("database unavailable: %s", error)
        reply = tell_database_unavailable(ctx, body, request, acknowledged=response is None)
        return reply if response is not None else None

    app.error(handle_error)


def after_ack(ctx: BotContext, respond, work) -> None:
    """Run the slow part of a request on the slow-work pool once it is acknowledged (instead of
    Bolt's lazy listeners, whose errors Bolt only logs): CPU-bound ranking on the ack pool would
    starve acknowledgements of the GIL under load. Any error is logged and the user is told."""

    def run() -> None:
        try:
            with gcwatch.activity.busy():  # no full collection starts while an answer is worked on
                work()
        except Exception as error:  # noqa: BLE001 - whatever failed, the user must hear of it
            if is_database_unavailable(error):
                log.warning("database unavailable after ack: %s", error)
                text = DB_UNAVAILABLE
            else:
                log.exception("work after the acknowledgement failed: %s", error, exc_info=error)
                text = SOMETHING_WRONG
            try:
                respond(**db_unavailable_message(text))
            except Exception:  # telling the user is best effort; the error is logged either way
                log.exception("could not tell the user that the work after the acknowledgement failed")

    ctx.executor.submit(run)


def tell_database_unavailable(ctx: BotContext, body, request: BoltRequest, *, acknowledged: bool) -> BoltResponse | None:
    return tell_user(ctx, body, request, acknowledged=acknowledged, text=DB_UNAVAILABLE)


def tell_user(ctx: BotContext, body, request: BoltRequest, *, acknowledged: bool, text: str) -> BoltResponse | None:
    """Tell the user, by the quickest way the request offers; the response to return when not acknowledged."""
    body = body if isinstance(body, dict) else {}
    kind = body.get("type")
    if kind == "view_submission" and not acknowledged:
        return BoltResponse(status=200, body=json.dumps({"response_action": "push", "view": notice_modal(text)}),
                            headers={"content-type": "application/json;charset=utf-8"})
    try:
        if request.context.response_url:
            request.context.respond(**db_unavailable_message(text))
        elif body.get("trigger_id"):
            ctx.client.views_open(trigger_id=body["trigger_id"], view=notice_modal(text))
        elif kind == "event_callback" and not acknowledged:
            return None  # 500: Slack retries the event later, when the database is back
    except Exception:  # telling the user is best effort; the error is logged either way
        log.exception("could not tell the user about the database outage")
    return BoltResponse(status=200, body="")
