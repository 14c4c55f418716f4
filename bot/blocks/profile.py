"""Block Kit for partner profiles: the card, the create/edit modal, the saved view and the
delete confirmation. Pure functions; user text is escaped (mrkdwn) or plain (plain_text)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

from bot import profiles as P
from bot.text import plain, safe, truncate
from models.company import Company, is_paused

PROFILE_MODAL_CALLBACK = "profile_modal"
BLOCK_IDS = {"name": "company", "partner_type": "partner_type", "capabilities": "capabilities",
             "industries": "industries", "regions": "regions", "certifications": "certifications",
             "description": "description", "capacity": "capacity", "website": "website",
             "contact_emails": "contact_emails"}
ACTION_ID = "value"
DELETE_CONFIRM = "profile_delete_confirm"
DELETE_CANCEL = "profile_delete_cancel"

CAPACITY_LABELS = {"open": "Open for new work", "limited": "Limited capacity", "full": "Full (not proposed)"}
_CAPACITY_ICON = {"open": ":large_green_circle:", "limited": ":large_yellow_circle:", "full": ":red_circle:"}

USAGE = (
    "*/partnerprofile* — create or edit your company's partner profile\n"
    "• `/partnerprofile` — open the profile form (create or edit)\n"
    "• `/partnerprofile show [company]` — show your profile (or another partner's)\n"
    "• `/partnerprofile pause [until YYYY-MM-DD]` — stop being proposed for introductions\n"
    "• `/partnerprofile resume` — be proposed again\n"
    "• `/partnerprofile delete` — delete your profile and its personal data (asks to confirm)\n"
    "• `/partnerprofile edit <company>` — vendor managers: edit any partner's profile"
)


def _today() -> date:
    return datetime.now(UTC).date()


def _list_text(items: list[str], limit: int) -> str:
    return safe(", ".join(items), limit) if items else "—"


def status_text(company: Company, *, today: date | None = None) -> str:
    if company.deleted_at is not None:
        return ":wastebasket: Deleted"
    if is_paused(company, today=today or _today()):
        if company.paused_until:
            return f":double_vertical_bar: Paused until {company.paused_until.isoformat()}"
        return ":double_vertical_bar: Paused (until resumed)"
    return ":white_check_mark: Active"


def profile_card(company: Company, *, today: date | None = None, contacts: bool = False) -> list[dict]:
    """The company's profile as message blocks (at most 7 blocks, each within limits).
    `contacts`: show its outside contacts' emails — only to the company itself or a manager."""
    capacity = company.capacity if company.capacity in CAPACITY_LABELS else "open"
    blocks: list[dict] = [
        {"type": "header", "text": {"type": "plain_text", "text": plain(company.name, 150) or "Partner", "emoji": False}},
        {"type": "section", "fields": [
            {"type": "mrkdwn", "text": f"*Partner type*\n{safe(company.partner_type, 200) or '—'}"},
            {"type": "mrkdwn", "text": f"*Capacity*\n{_CAPACITY_ICON[capacity]} {CAPACITY_LABELS[capacity]}"},
            {"type": "mrkdwn", "text": f"*Status*\n{status_text(company, today=today)}"},
            {"type": "mrkdwn", "text": f"*Website*\n{safe(company.website, 400) or '—'}"},
        ]},
        {"type": "section", "fields": [
            {"type": "mrkdwn", "text": f"*Capabilities*\n{_list_text(company.capabilities, 1900)}"},
            {"type": "mrkdwn", "text": f"*Industries*\n{_list_text(company.industries, 1900)}"},
            {"type": "mrkdwn", "text": f"*Regions served*\n{_list_text(company.regions, 1900)}"},
            {"type": "mrkdwn", "text": f"*Certifications*\n{_list_text(company.certifications, 1900)}"},
        ]},
    ]
    description = safe(company.description, 3000)
    if description:  # control characters only: nothing to show (an empty section is rejected)
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": description}})
    if contacts:
        emails = getattr(company, "contact_emails", None) or []
        listing = safe(", ".join(emails), 1900) if emails else "— (only the Slack users linked to the profile)"
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": (
            f"*Outside contacts* (invited through Slack Connect; only you and vendor managers see this)\n{listing}")}})
    if company.updated_at:
        blocks.append({"type": "context", "elements": [
            {"type": "mrkdwn", "text": f"Last updated {company.updated_at.date().isoformat()}"}]})
    return blocks


def _option(value: str, label: str | None = None) -> dict:
    return {"text": {"type": "plain_text", "text": plain(label or value, 75)}, "value": value}


def _text_input(block_id: str, label: str, *, initial: str | None, multiline: bool = False, optional: bool = True,
                max_length: int, placeholder: str | None = None, hint: str | None = None) -> dict:
    element: dict = {"type": "plain_text_input", "action_id": ACTION_ID, "multiline": multiline,
                     "max_length": max_length}
    if initial:
        element["initial_value"] = initial[:max_length]
    if placeholder:
        element["placeholder"] = {"type": "plain_text", "text": placeholder}
    block = {"type": "input", "block_id": block_id, "optional": optional,
             "label": {"type": "plain_text", "text": label}, "element": element}
    if hint:
        block["hint"] = {"type": "plain_text", "text": hint}
    return block


def _select(block_id: str, label: str, options: list[dict], *, initial: str | None, optional: bool) -> dict:
    element: dict = {"type": "static_select", "action_id": ACTION_ID, "options": options,
                     "placeholder": {"type": "plain_text", "text": "Choose…"}}
    chosen = next((o for o in options if o["value"] == initial), None)
    if chosen:
        element["initial_option"] = chosen
    return {"type": "input", "block_id": block_id, "optional": optional,
            "label": {"type": "plain_text", "text": label}, "element": element}


def profile_modal(company: Company | None, errors: dict[str, str] | None = None, *,
                  values: dict | None = None, from_home: bool = False) -> dict:
    """The create/edit modal. `values` (a validated dict) overrides the company's values;
    `errors` (by field) are listed at the top (inline errors go through response_action);
    `from_home` makes the submit refresh the App Home it was opened from."""
    current: dict = {}
    if company is not None:
        current = {name: getattr(company, name) for name in BLOCK_IDS}
    current.update(values or {})
    list_hint = f"One per line (or separated by ;), at most {P.MAX_ITEMS}."
    ptype = current.get("partner_type") or ""
    type_options = [_option(t) for t in P.PARTNER_TYPES]
    if ptype and not P.is_known_partner_type(ptype):
        type_options.insert(-1, _option(ptype))  # a type set by CSV import stays selectable
    blocks: list[dict] = []
    if errors:
        lines = "\n".join(f"• {safe(msg, 300)}" for msg in list(errors.values())[:10])
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": truncate(f":warning: {lines}", 3000)}})
    blocks += [
        _text_input("company", "Company", initial=current.get("name"), optional=False, max_length=P.MAX_NAME,
                    placeholder="e.g. Sonoran Unified Communications"),
        _select("partner_type", "Partner type", type_options, initial=ptype or None, optional=False),
        _text_input("capabilities", "Capabilities", initial="\n".join(current.get("capabilities") or []),
                    multiline=True, optional=False, max_length=P.MAX_ITEMS * (P.MAX_ITEM + 1),
                    placeholder="unified communications installation", hint=list_hint),
        _text_input("industries", "Industries", initial="\n".join(current.get("industries") or []),
                    multiline=True, max_length=P.MAX_ITEMS * (P.MAX_ITEM + 1), placeholder="restaurants",
                    hint=list_hint),
        _text_input("regions", "Regions served", initial="\n".join(current.get("regions") or []),
                    multiline=True, max_length=P.MAX_ITEMS * (P.MAX_ITEM + 1), placeholder="Arizona",
                    hint="Countries, states, cities or regions such as EMEA. " + list_hint),
        _text_input("certifications", "Certifications", initial="\n".join(current.get("certifications") or []),
                    multiline=True, max_length=P.MAX_ITEMS * (P.MAX_ITEM + 1), placeholder="Cisco Gold Certified",
                    hint=list_hint),
        _text_input("description", "Description", initial=current.get("description"), multiline=True,
                    max_length=P.MAX_DESCRIPTION, placeholder="What you do best, for whom"),
        _select("capacity", "Capacity for new work",
                [_option(c, CAPACITY_LABELS[c]) for c in P.CAPACITIES],
                initial=current.get("capacity") or "open", optional=False),
        _text_input("website", "Website", initial=current.get("website"), max_length=P.MAX_WEBSITE,
                    placeholder="https://example.com"),
        _text_input("contact_emails", "Contacts outside this Slack (work emails)",
                    initial="\n".join(current.get("contact_emails") or []), multiline=True,
                    max_length=P.MAX_CONTACT_EMAILS * (P.MAX_EMAIL + 1), placeholder="dana@yourcompany.com",
                    hint="People who use your own company's Slack: introductions invite them to a shared "
                         "channel (Slack Connect). One per line. Only you and vendor managers see them."),
    ]
    return {
        "type": "modal",
        "callback_id": PROFILE_MODAL_CALLBACK,
        "title": {"type": "plain_text", "text": "Partner profile"},
        "submit": {"type": "plain_text", "text": "Save"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "private_metadata": json.dumps({"company_id": company.id if company is not None else None,
                                        **({"home": True} if from_home else {})}),
        "blocks": blocks,
    }


def saved_view(company: Company, *, created: bool, changed: list[str], today: date | None = None) -> dict:
    """What the modal turns into after a valid save."""
    if created:
        note = ":tada: Profile created. Partners can now find you with `/findpartner`."
    elif changed:
        names = ", ".join(P.FIELD_LABELS[name].lower() for name in changed if name in P.FIELD_LABELS)
        note = f":white_check_mark: Profile saved (changed: {names})."
    else:
        note = "Nothing changed: your profile is as it was."
    return {
        "type": "modal",
        "callback_id": "profile_saved",  # the editor is the company itself or a manager: contacts shown
        "title": {"type": "plain_text", "text": "Profile saved"},
        "close": {"type": "plain_text", "text": "Done"},
        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": note}}] + profile_card(
            company, today=today, contacts=True),
    }


def delete_confirmation_blocks(company: Company) -> list[dict]:
    return [
        {"type": "section", "text": {"type": "mrkdwn", "text": (
            f":warning: Delete the partner profile of *{safe(company.name, 200)}*?\n"
            "This removes its description, website, capabilities, outside contacts and the link to its Slack users. "
            "Counts of past asks and introductions stay, without personal data. This cannot be undone.")}},
        {"type": "actions", "block_id": "profile_delete", "elements": [
            {"type": "button", "action_id": DELETE_CONFIRM, "style": "danger", "value": str(company.id),
             "text": {"type": "plain_text", "text": "Delete profile"}},
            {"type": "button", "action_id": DELETE_CANCEL, "value": str(company.id),
             "text": {"type": "plain_text", "text": "Cancel"}},
        ]},
    ]


def notice_blocks(text: str) -> list[dict]:
    """One section of bot-written mrkdwn (callers escape any user text inside)."""
    return [{"type": "section", "text": {"type": "mrkdwn", "text": truncate(text, 3000)}}]


def partner_profile_modal(company: Company, *, today: date | None = None) -> dict:
    """View profile (from /findpartner results): the partner's card in a modal."""
    return {"type": "modal", "title": {"type": "plain_text", "text": "Partner profile"},
            "close": {"type": "plain_text", "text": "Close"}, "blocks": profile_card(company, today=today)}
