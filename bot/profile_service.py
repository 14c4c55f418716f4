"""Profiles as the listeners use them: each call is one transaction of its own.

`handlers/` parse and render; they never open a database session (as `bot/introductions/service.py`
does for introductions). The rules themselves (validation, who may edit, the audit log) are in
`bot/profiles.py`; the companies come back detached and fully loaded, ready to render.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy.exc import IntegrityError

from bot import profiles as P
from bot.context import BotContext
from models.company import Company, get_company, get_company_by_name, get_company_for_user
from models.db import session_scope


class ProfileNotFound(LookupError):
    """No profile has the name that was typed."""


def own_company(ctx: BotContext, *, user_id: str) -> Company | None:
    with session_scope(ctx.engine) as session:
        return get_company_for_user(session, slack_user_id=user_id)


def company_to_edit(ctx: BotContext, *, user_id: str, name: str = "") -> Company | None:
    """No name: the caller's own profile (None: a new one). A name: that profile, which only its
    own members and managers may edit (PermissionError); ProfileNotFound when there is none."""
    with session_scope(ctx.engine) as session:
        if not name:
            return get_company_for_user(session, slack_user_id=user_id)
        company = get_company_by_name(session, name=name)
        if company is None:
            raise ProfileNotFound(name)
        if not P.can_edit(session, user_id=user_id, company=company, is_manager=ctx.settings.is_manager(user_id)):
            raise PermissionError("Only the company's own members or a vendor manager can edit that profile.")
        return company


def company_to_show(ctx: BotContext, *, user_id: str, name: str = "") -> tuple[Company | None, bool]:
    """The profile to show (a name, else the caller's own) and whether its contacts may be shown:
    they are personal data, seen only by the company's own users and managers."""
    with session_scope(ctx.engine) as session:
        own = get_company_for_user(session, slack_user_id=user_id)
        if name:
            company = get_company_by_name(session, name=name)
            if company is None:
                raise ProfileNotFound(name)
        else:
            company = own
        if company is None:
            return None, False
        mine = own is not None and own.id == company.id
        return company, mine or ctx.settings.is_manager(user_id)


def button_company(ctx: BotContext, *, user_id: str, value: str) -> Company | None:
    """The company a button is about: its value (a company id) when given, else the clicker's.
    PermissionError when the clicker may not change it."""
    with session_scope(ctx.engine) as session:
        return _button_company(ctx, session, user_id=user_id, value=value)


def _button_company(ctx: BotContext, session, *, user_id: str, value: str) -> Company | None:
    if value.isdigit():
        company = get_company(session, company_id=int(value))
        if company is not None and not P.can_edit(session, user_id=user_id, company=company,
                                                  is_manager=ctx.settings.is_manager(user_id)):
            raise PermissionError("Only the company's own members or a vendor manager can change that profile.")
        return company
    return get_company_for_user(session, slack_user_id=user_id)


def pause(ctx: BotContext, *, user_id: str, until: date | None, value: str = "") -> Company | None:
    """Pause the profile a button names (`value`) or the caller's own; None when there is none."""
    with session_scope(ctx.engine) as session:
        company = _button_company(ctx, session, user_id=user_id, value=value)
        if company is not None:
            P.pause_profile(session, company=company, actor=user_id, until=until, now=ctx.clock.now())
        return company


def resume(ctx: BotContext, *, user_id: str) -> tuple[Company | None, bool]:
    """Resume the caller's profile: (the company or None, whether it was paused)."""
    with session_scope(ctx.engine) as session:
        company = get_company_for_user(session, slack_user_id=user_id)
        if company is None:
            return None, False
        return company, P.resume_profile(session, company=company, actor=user_id, now=ctx.clock.now())


@dataclass(frozen=True)
class Deleted:
    name: str
    waiting_requesters: list[str]  # whose open request to the deleted company was closed with it


def delete(ctx: BotContext, *, user_id: str, company_id: int) -> Deleted:
    """Delete a profile with its personal data; its open requests and introductions close with it.
    ProfileError / PermissionError when it cannot be deleted by this user."""
    from bot.introductions import service as intro_service

    now = ctx.clock.now()
    with session_scope(ctx.engine) as session:
        company = P.delete_profile(session, company_id=company_id, actor=user_id,
                                   is_manager=ctx.settings.is_manager(user_id), now=now)
        waiting = intro_service.close_for_deleted_profile(ctx, session, company_id=company_id, now=now)
        return Deleted(name=company.name, waiting_requesters=list(waiting))


def save_form(ctx: BotContext, *, user_id: str, raw: dict[str, str | None],
              company_id: int | None) -> tuple[P.SaveResult | None, dict[str, str]]:
    """Validate and save the profile form: (the result, {}) or (None, {field: error}).
    ProfileError / PermissionError for what is wrong with the whole profile (shown on its name)."""
    data = None
    try:
        with session_scope(ctx.engine) as session:
            current = get_company(session, company_id=company_id) if company_id else None
            allowed = (current.partner_type,) if current is not None and current.partner_type else ()
            data, errors = P.validate_profile(raw, allowed_partner_types=allowed)
            if errors:
                return None, errors
            result = P.save_profile(session, actor=user_id, data=data, company_id=company_id,
                                    is_manager=ctx.settings.is_manager(user_id), now=ctx.clock.now())
    except IntegrityError:
        # Two saves raced for one name (at flush or commit): the loser hears it as the name being taken.
        raise P.ProfileError(f"“{data.name if data else ''}” is already a partner profile.") from None
    return result, {}
