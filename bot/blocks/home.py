"""The App Home view: pure builder over plain data (profile, asks, introductions, approvals)."""

from __future__ import annotations

from datetime import date

from bot.blocks.digest import fmt_number
from bot.blocks.limits import MAX_HOME_BLOCKS
from bot.text import plain, safe

STATE_LABELS = {
    "requested": ":hourglass_flowing_sand: waiting for approval",
    "approved": ":white_check_mark: approved, being set up",
    "introduced": ":handshake: introduced",
    "declined": ":no_entry_sign: declined",
    "not_a_fit": ":heavy_minus_sign: not a fit",
    "closed": ":checkered_flag: closed",
    "awaiting_consent": ":hourglass_flowing_sand: waiting for the partner to accept",
    "consent_declined": ":wave: not taken up for now",
    "consent_expired": ":hourglass: closed without an answer",
}
OPEN_STATES = ("requested", "awaiting_consent", "approved", "introduced")


def _section(text: str) -> dict:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text[:3000]}}


def _context(text: str) -> dict:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": text[:3000]}]}


def _header(text: str) -> dict:
    return {"type": "header", "text": {"type": "plain_text", "text": plain(text, 150)}}


def _button(text: str, action_id: str, value: str, style: str | None = None) -> dict:
    button = {"type": "button", "action_id": action_id, "value": value,
              "text": {"type": "plain_text", "text": plain(text, 75)}}
    if style:
        button["style"] = style
    return button


def _day(when) -> str:
    return when.strftime("%b %d") if when else ""


def _approval_buttons(intro_id: int) -> dict:
    try:  # the introductions' own builder, so Approve / Decline behave as in the channel
        from bot.blocks.intro import approval_buttons
    except ImportError:
        return {"type": "actions", "block_id": f"intro_decision_{intro_id}", "elements": [
            _button("Approve", "intro_approve", str(intro_id), "primary"),
            _button("Decline", "intro_decline", str(intro_id), "danger")]}
    return approval_buttons(intro_id)


def _profile_blocks(company, *, today: date) -> list[dict]:
    if company is None:
        return [_section("You don't have a partner profile yet. Create one so partners can find you."),
                {"type": "actions", "block_id": "home_profile", "elements": [
                    _button("Create my profile", "profile_edit", "", "primary")]}]
    try:
        from bot.blocks.profile import profile_card

        card = profile_card(company, today=today)
    except ImportError:
        card = [_header(company.name), _section(f"*Capabilities:* {safe(', '.join(company.capabilities), 2500)}")]
    return [*card, {"type": "actions", "block_id": "home_profile", "elements": [
        _button("Edit profile", "profile_edit", str(company.id), "primary")]}]


def _asks_block(asks: list[dict]) -> dict:
    if not asks:
        return _section("No asks yet. Type `/findpartner <what you need>` to find a partner.")
    lines = []
    for a in asks:
        if a["unmet"]:
            status = "no match yet — noted as unmet demand"
        else:
            status = f"{a['matches_shown']} match{'es' if a['matches_shown'] != 1 else ''} shown"
        if a["intros"]:
            status += f", {a['intros']} intro request{'s' if a['intros'] != 1 else ''}"
        lines.append(f"• {_day(a['created_at'])} — {safe(a['text'], 150)} _({status})_")
    return _section("\n".join(lines))


def _intros_block(intros: list[dict]) -> dict:
    if not intros:
        return _section("No introductions yet.")
    ordered = sorted(intros, key=lambda i: i["state"] not in OPEN_STATES)  # open ones first, stable
    lines = []
    for i in ordered:
        way = "you asked for" if i["requested_by_you"] else "asked for you:"
        where = f" in <#{i['channel_id']}>" if i.get("channel_id") and i["state"] == "introduced" else ""
        label = STATE_LABELS.get(i["state"], safe(i["state"], 30))
        lines.append(f"• {_day(i['created_at'])} — {way} *{safe(i['other'], 120)}* — {label}{where}")
    return _section("\n".join(lines))


def _figures_block(figures: dict) -> dict:
    rate = (figures.get("participation_rate") or 0) * 100
    items = (("Asks", figures["asks"]), ("Unmet asks", figures["unmet_asks"]),
             ("Intro requests", figures["intro_requests"]), ("Introduced", figures["introduced"]),
             ("Deals won", figures["deals_won"]), ("Deal value", figures["deal_value"]),
             ("Approval time (median h)", figures["approval_hours_median"]),
             ("Active partners", f"{fmt_number(figures['active_partners'])} of "
                                 f"{fmt_number(figures['total_partners'])} ({rate:.0f}%)"))
    return {"type": "section", "fields": [
        {"type": "mrkdwn", "text": f"*{label}*\n{value if isinstance(value, str) else fmt_number(value)}"}
        for label, value in items]}


def _pending_blocks(pending: list[dict], total: int) -> list[dict]:
    if not pending:
        return [_section("No introductions are waiting for approval. :tada:")]
    blocks: list[dict] = []
    for p in pending:
        requester = safe(p["requester"], 120) if p["requester"] else f"<@{p['requester_user_id']}>"
        blocks.append(_section(f"*{requester}* → *{safe(p['target'], 120)}*  _{_day(p['created_at'])}_\n"
                               f"> {safe(p['ask'], 300)}"))
        blocks.append(_approval_buttons(p["id"]))
    if total > len(pending):
        blocks.append(_context(f"…and {total - len(pending)} more in the approvals channel."))
    return blocks


def home_view(*, company, asks: list[dict], intros: list[dict], is_manager: bool, pending: list[dict],
              pending_total: int, figures: dict | None, today: date) -> dict:
    """The whole Home tab (at most 100 blocks: the pending list is cut to fit)."""
    blocks: list[dict] = [*_profile_blocks(company, today=today), {"type": "divider"},
                          _header("Your asks"), _asks_block(asks),
                          _header("Your introductions"), _intros_block(intros)]
    if is_manager:
        blocks += [{"type": "divider"}, _header("Program, last 7 days")]
        if figures is not None:
            blocks.append(_figures_block(figures))
        blocks.append(_header(f"Waiting for approval ({total})" if (total := pending_total) else "Waiting for approval"))
        room = MAX_HOME_BLOCKS - len(blocks) - 1  # keep one for the "more" line
        blocks += _pending_blocks(pending[: max(0, room // 2)], pending_total)
    blocks.append(_context("Find a partner with `/findpartner` · your figures with `/partnerstats`"))
    return {"type": "home", "callback_id": "partnerbot_home", "blocks": blocks[:MAX_HOME_BLOCKS]}


def ask_results_modal(blocks: list[dict]) -> dict:
    """An ask's saved results in a modal (App Home → See matches)."""
    return {"type": "modal", "callback_id": "ask_results", "title": {"type": "plain_text", "text": "Your matches"},
            "close": {"type": "plain_text", "text": "Close"}, "blocks": blocks[:100]}
