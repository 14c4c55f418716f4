"""The profile modal's submit: inline errors, or save and show the saved profile."""

from __future__ import annotations

import json
import logging

from slack_bolt import App
from sqlalchemy.exc import IntegrityError

from bot import profiles as P
from bot.blocks import profile as B
from bot.context import BotContext
from models.company import get_company
from models.db import session_scope

log = logging.getLogger(__name__)


def refresh_home(ctx: BotContext, user_id: str) -> None:
    """The modal was opened from the App Home: show the saved profile there too."""
    from bot.metrics.home import build_home  # the metrics engineer's App Home

    try:
        ctx.client.views_publish(user_id=user_id, view=build_home(ctx, user_id=user_id))
    except Exception:  # the profile is saved; a stale home is fixed on its next open
        log.exception("could not refresh the App Home of %s", user_id)


def read_state(values: dict) -> dict[str, str | None]:
    """The typed values by field name, from a view's state."""
    raw: dict[str, str | None] = {}
    for name, block_id in B.BLOCK_IDS.items():
        element = (values.get(block_id) or {}).get(B.ACTION_ID) or {}
        if "selected_option" in element:
            option = element.get("selected_option") or {}
            raw[name] = option.get("value")
        else:
            raw[name] = element.get("value")
    return raw


def register(app: App, ctx: BotContext) -> None:
    def submit(ack, body, view):
        user_id = body["user"]["id"]
        try:
            meta = json.loads(view.get("private_metadata") or "{}")
        except ValueError:
            meta = {}
        company_id = meta.get("company_id")
        raw = read_state(view["state"]["values"])
        now = ctx.clock.now()
        try:
            with session_scope(ctx.engine) as session:
                current = get_company(session, company_id=company_id) if company_id else None
                allowed = (current.partner_type,) if current is not None and current.partner_type else ()
                data, errors = P.validate_profile(raw, allowed_partner_types=allowed)
                if errors:
                    ack(response_action="errors", errors={B.BLOCK_IDS[k]: v for k, v in errors.items()})
                    return
                result = P.save_profile(session, actor=user_id, data=data, company_id=company_id,
                                        is_manager=ctx.settings.is_manager(user_id), now=now)
        except (P.ProfileError, PermissionError) as exc:
            ack(response_action="errors", errors={"company": str(exc)})
            return
        except IntegrityError:
            # Two saves raced for one name: the loser hears it as the name being taken.
            ack(response_action="errors", errors={"company": f"“{data.name}” is already a partner profile."})
            return
        ack(response_action="update",
            view=B.saved_view(result.company, created=result.created, changed=result.changed, today=now.date()))
        if meta.get("home"):
            refresh_home(ctx, user_id)

    app.view(B.PROFILE_MODAL_CALLBACK)(submit)
