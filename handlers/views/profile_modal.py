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
            company_id = json.loads(view.get("private_metadata") or "{}").get("company_id")
        except ValueError:
            company_id = None
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

    app.view(B.PROFILE_MODAL_CALLBACK)(submit)
