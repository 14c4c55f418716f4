"""/partnerprofile [edit [company] | show [company] | pause [until DATE] | resume | delete | help]"""

from __future__ import annotations

import logging

from slack_bolt import App
from slack_sdk.errors import SlackApiError

from bot import profile_service as profiles
from bot import profiles as P
from bot.blocks import profile as B
from bot.context import BotContext
from bot.text import safe

log = logging.getLogger(__name__)

NO_PROFILE = "You have no partner profile yet. Type `/partnerprofile` to create one."


def register(app: App, ctx: BotContext) -> None:
    def partnerprofile(ack, body, client, respond):
        ack()
        user_id = body["user_id"]
        words = (body.get("text") or "").strip()
        sub, _, rest = words.partition(" ")
        sub, rest = sub.lower(), rest.strip()
        handler = SUBCOMMANDS.get(sub)
        if handler is None:
            respond(response_type="ephemeral", text=B.USAGE,
                    blocks=B.notice_blocks((f"I don't know `{safe(sub, 40)}`.\n" if sub != "help" else "") + B.USAGE))
            return
        handler(ctx, client=client, respond=respond, user_id=user_id, args=rest, trigger_id=body.get("trigger_id"))

    app.command("/partnerprofile")(partnerprofile)


def _say(respond, text: str) -> None:
    respond(response_type="ephemeral", text=text, blocks=B.notice_blocks(text))


def _no_such_profile(name: str) -> str:
    return f"There is no partner profile named “{safe(name, 100)}”."


def open_profile_modal(ctx: BotContext, *, client, respond, user_id: str, args: str, trigger_id: str | None) -> None:
    """No name: the caller's own profile (or a new one). A name: managers edit any profile."""
    try:
        company = profiles.company_to_edit(ctx, user_id=user_id, name=args)
    except profiles.ProfileNotFound:
        _say(respond, _no_such_profile(args))
        return
    except PermissionError as exc:
        _say(respond, str(exc))
        return
    try:
        client.views_open(trigger_id=trigger_id, view=B.profile_modal(company))
    except SlackApiError as exc:  # e.g. expired_trigger_id after a slow network
        log.warning("could not open the profile form: %s", exc.response.get("error"))
        _say(respond, "Slack could not open the profile form just now. Please type `/partnerprofile` again.")


def show_profile(ctx: BotContext, *, client, respond, user_id: str, args: str, trigger_id: str | None) -> None:
    try:
        company, contacts = profiles.company_to_show(ctx, user_id=user_id, name=args)
    except profiles.ProfileNotFound:
        _say(respond, _no_such_profile(args))
        return
    if company is None:
        _say(respond, NO_PROFILE)
        return
    blocks = B.profile_card(company, today=ctx.clock.now().date(), contacts=contacts)
    respond(response_type="ephemeral", text=f"Partner profile: {safe(company.name, 200)}", blocks=blocks)


def pause(ctx: BotContext, *, client, respond, user_id: str, args: str, trigger_id: str | None) -> None:
    try:
        until = P.parse_pause_args(args, today=ctx.clock.now().date())
    except P.ProfileError as exc:
        _say(respond, f":warning: {exc}")
        return
    company = profiles.pause(ctx, user_id=user_id, until=until)
    if company is None:
        _say(respond, NO_PROFILE)
        return
    when = f"until {until.isoformat()} (you resume by yourself then)" if until else "until you type `/partnerprofile resume`"
    _say(respond, f":double_vertical_bar: *{safe(company.name, 200)}* is paused {when}: "
                  "you won't be proposed for introductions meanwhile.")


def resume(ctx: BotContext, *, client, respond, user_id: str, args: str, trigger_id: str | None) -> None:
    company, resumed = profiles.resume(ctx, user_id=user_id)
    if company is None:
        _say(respond, NO_PROFILE)
    elif resumed:
        _say(respond, f":arrow_forward: *{safe(company.name, 200)}* is active again: partners can be introduced to you.")
    else:
        _say(respond, f"*{safe(company.name, 200)}* is not paused: nothing to resume.")


def delete(ctx: BotContext, *, client, respond, user_id: str, args: str, trigger_id: str | None) -> None:
    company = profiles.own_company(ctx, user_id=user_id)
    if company is None:
        _say(respond, NO_PROFILE)
        return
    respond(response_type="ephemeral", text="Delete your partner profile?", blocks=B.delete_confirmation_blocks(company))


SUBCOMMANDS = {"": open_profile_modal, "edit": open_profile_modal, "show": show_profile, "pause": pause,
               "resume": resume, "delete": delete}
