"""The App Home view: pure builder over plain data (profile, asks, introductions, approvals)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from bot.blocks.digest import fmt_number
from bot.blocks.limits import MAX_HOME_BLOCKS
from bot.blocks.wording import money, plural
from bot.text import plain, safe
from bot.blocks.kit import button as _button, context as _context, section as _section

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


def _header(text: str) -> dict:
    return {"type": "header", "text": {"type": "plain_text", "text": plain(text, 150)}}


def _day(when) -> str:
    """A Slack date token, so each reader sees their own time zone."""
    if not when:
        return ""
    from bot.blocks.wording import slack_date

    return slack_date(when if when.tzinfo else when.replace(tzinfo=UTC))


def _approval_buttons(intro_id: int) -> dict:
    from bot.blocks.intro import approval_buttons  # the introductions' own, so they behave as in the channel

    return approval_buttons(intro_id, view_profiles=True)


FIND_PARTNER = "home_find_partner"
SEE_MATCHES = "home_see_matches"
OPEN_CHANNEL = "intro_open_channel"  # a link button; the introductions' own no-op listener acks it
STALE_HOURS = 48


def _channel_url(channel_id: str) -> str:
    return f"https://slack.com/app_redirect?channel={channel_id}"


def _profile_line(company, *, today: date) -> list[dict]:
    """The profile, collapsed to one line (the full card is one click away: Edit profile)."""
    try:
        from bot.blocks.profile import CAPACITY_LABELS, status_text

        capacity = CAPACITY_LABELS.get(company.capacity, "")
        status = status_text(company, today=today)
    except ImportError:
        capacity, status = "", ""
    parts = [f"*{safe(company.name, 120)}*", safe(company.partner_type, 60), capacity, status]
    if company.updated_at:
        parts.append(f"updated {_day(company.updated_at)}")
    return [_context(" · ".join(p for p in parts if p))]


def _top_actions(company, *, is_manager: bool) -> dict:
    # A manager's primary action is approving (above); a partner's is finding a partner.
    elements = [_button("Find a partner", FIND_PARTNER, "find", None if is_manager else "primary")]
    if company is not None:
        elements.append(_button("Edit profile", "profile_edit", str(company.id)))
    elif not is_manager:
        elements.append(_button("Create my profile", "profile_edit", ""))
    return {"type": "actions", "block_id": "home_top", "elements": elements}


def _asks_blocks(asks: list[dict]) -> list[dict]:
    if not asks:
        return [_section("No asks yet. *Find a partner* (or type `/findpartner <what you need>`) to start.")]
    blocks = []
    for a in asks:
        if a["unmet"]:
            status = "no match yet — noted as unmet demand"
        else:
            status = plural(a["matches_shown"], "match", "matches") + " shown"
        if a["intros"]:
            status += ", " + plural(a["intros"], "intro request")
        section = _section(f"*{safe(a['text'], 150)}*\n{_day(a['created_at'])} · {status}")
        if a.get("matches_shown") and a.get("id") is not None and a.get("mine", True):  # own asks only
            section["accessory"] = _button("See matches", SEE_MATCHES, str(a["id"]))
        blocks.append(section)
    return blocks


def _intro_blocks(intros: list[dict]) -> list[dict]:
    """Open introductions first, each with what can be done about it now."""
    if not intros:
        return [_section("No introductions yet.")]
    ordered = sorted(intros, key=lambda i: i["state"] not in OPEN_STATES)  # open ones first, stable
    blocks: list[dict] = []
    closed: list[str] = []
    for i in ordered:
        way = "you asked for" if i["requested_by_you"] else "asked for you:"
        label = STATE_LABELS.get(i["state"], safe(i["state"], 30))
        line = f"{way} *{safe(i['other'], 120)}* — {label} · {_day(i['created_at'])}"
        if i["state"] not in OPEN_STATES:
            closed.append(f"• {line}")
            continue
        blocks.append(_section(line))
        elements = []
        if i["state"] == "introduced":
            if i.get("channel_id"):
                elements.append({"type": "button", "action_id": OPEN_CHANNEL, "url": _channel_url(i["channel_id"]),
                                 "text": {"type": "plain_text", "text": "Open channel"}})
            if i.get("id") is not None:  # report the outcome here, without waiting for the follow-up
                from bot.blocks.intro import OUTCOME_LABELS, followup_action_id, followup_value

                elements += [_button(label, followup_action_id(outcome), followup_value(i["id"], outcome))
                             for outcome, label in OUTCOME_LABELS.items()]
        if elements:
            blocks.append({"type": "actions", "block_id": f"home_intro_{i.get('id', len(blocks))}",
                           "elements": elements})
    if closed:
        blocks.append(_context("\n".join(closed)))
    return blocks


def _figures_block(figures: dict, currency: str) -> dict:
    rate = (figures.get("participation_rate") or 0) * 100
    items = (("Asks", figures["asks"]), ("Unmet asks", figures["unmet_asks"]),
             ("Intro requests", figures["intro_requests"]), ("Introduced", figures["introduced"]),
             ("Deals won", figures["deals_won"]), ("Deal value", money(figures["deal_value"], currency)),
             ("Approval time (median h)", figures["approval_hours_median"]),
             ("Active partners", f"{fmt_number(figures['active_partners'])} of "
                                 f"{fmt_number(figures['total_partners'])} ({rate:.0f}%)"))
    return {"type": "section", "fields": [
        {"type": "mrkdwn", "text": f"*{label}*\n{value if isinstance(value, str) else fmt_number(value)}"}
        for label, value in items]}


def _waiting(created_at, now: datetime | None) -> str:
    if now is None or created_at is None:
        return _day(created_at)
    hours = (now - created_at).total_seconds() / 3600
    if hours >= STALE_HOURS:
        return f":hourglass_flowing_sand: waiting {plural(int(hours // 24), 'day')}"
    return f"waiting {plural(max(1, int(hours)), 'hour')}" if hours >= 1 else "just now"


def _pending_blocks(pending: list[dict], total: int, *, now: datetime | None = None) -> list[dict]:
    if not pending:
        return [_section("No introductions are waiting for approval. :tada:")]
    blocks: list[dict] = []
    for p in pending:
        requester = safe(p["requester"], 120) if p["requester"] else "no profile"
        blocks.append(_section(f"<@{p['requester_user_id']}> ({requester}) → *{safe(p['target'], 120)}* · "
                               f"{_waiting(p['created_at'], now)}\n> {safe(p['ask'], 300)}"))
        blocks.append(_approval_buttons(p["id"]))
    if total > len(pending):
        blocks.append(_context(f"…and {total - len(pending)} more in the approvals channel."))
    return blocks


def home_view(*, company, asks: list[dict], intros: list[dict], is_manager: bool, pending: list[dict],
              pending_total: int, figures: dict | None, today: date, now: datetime | None = None,
              currency: str = "USD") -> dict:
    """The Home tab by role (at most 100 blocks: the lists are cut to fit).

    A manager sees the approvals waiting first and the program's week; a partner sees Find a
    partner, their open introductions with what to do next, their recent asks (See matches)
    and their profile collapsed to one line. A manager with no company is not asked for one."""
    blocks: list[dict] = []
    if is_manager:
        title = f"Waiting for your approval ({pending_total})" if pending_total else "Waiting for your approval"
        blocks.append(_header(title))
        room = 40  # keep room for the rest of the Home
        blocks += _pending_blocks(pending[: room // 2], pending_total, now=now)
        if figures is not None:
            blocks += [_header("Program, last 7 days"), _figures_block(figures, currency)]
        blocks.append({"type": "divider"})
    blocks.append(_top_actions(company, is_manager=is_manager))
    if company is not None:
        blocks += _profile_line(company, today=today)
    elif not is_manager:
        blocks.append(_section("You don't have a partner profile yet. Create one so partners can find you."))
    if company is not None or intros or not is_manager:
        blocks += [_header("Your introductions"), *_intro_blocks(intros)]
    if company is not None or asks or not is_manager:
        blocks += [_header("Your recent asks"), *_asks_blocks(asks)]
    blocks.append(_context("`/findpartner` to find a partner · `/partnerstats` for your figures"))
    return {"type": "home", "callback_id": "partnerbot_home", "blocks": blocks[:MAX_HOME_BLOCKS]}


def ask_results_modal(blocks: list[dict]) -> dict:
    """An ask's saved results in a modal (App Home → See matches)."""
    return {"type": "modal", "callback_id": "ask_results", "title": {"type": "plain_text", "text": "Your matches"},
            "close": {"type": "plain_text", "text": "Close"}, "blocks": blocks[:100]}
