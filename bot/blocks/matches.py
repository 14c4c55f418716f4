"""Block Kit for /findpartner: ranked results with Request intro buttons, who covers which
part of a multi-need ask, the honest no-match answer, and the structured-ask modal.
Pure functions; partner-typed and user-typed text is escaped (mrkdwn) or plain (plain_text)."""

from __future__ import annotations

import json
from types import SimpleNamespace

from bot.blocks.wording import match_label, plain_reasons, plural
from bot.matching.scorer import Ranking
from bot.text import safe, truncate
from bot.blocks.kit import context as _context, section as _section

REQUEST_INTRO = "request_intro"
ASK_MODAL_CALLBACK = "findpartner_ask"
FIELD_ACTION = "value"
NEED_MAX, INDUSTRY_MAX, REGION_MAX, CONTEXT_MAX = 500, 150, 150, 1000
LIMITS = {"need": NEED_MAX, "industry": INDUSTRY_MAX, "region": REGION_MAX, "context": CONTEXT_MAX}
TIMING_OPTIONS = (("asap", "As soon as possible"), ("month", "Within a month"), ("quarter", "This quarter"),
                  ("exploring", "Just exploring"))
NOT_LINKED = "no Slack user linked yet — ask a vendor manager"
MAX_SHOWN = 10


USAGE = ("*/findpartner* — find partners who can do what you need\n"
         "• `/findpartner cisco UC install plus custom IP phone apps in Tucson, AZ` — ranked partners, "
         "with the reasons they match and a *Request intro* button\n"
         "• `/findpartner` — a form for a structured ask (need, industry, region, customer context, timing)\n"
         "Several needs are fine (“plus”, “and”, commas); places can be cities, states, countries or "
         "regions like EMEA.")


def searching_text(text: str) -> str:
    return f":mag: Looking for partners for “{safe(text, 300)}”…"


REQUESTED = "request_intro_done"
VIEW_PROFILE = "view_partner_profile"
REQUESTED_LABELS = {"requested": "✓ Requested — waiting for approval", "awaiting_consent": "✓ Approved — waiting for them",
                    "approved": "✓ Approved — setting up", "introduced": "✓ Introduced", "declined": "Declined",
                    "not_a_fit": "Closed: not a fit", "closed": "✓ Closed"}


def request_button(ask_id: int, company_id: int, *, primary: bool = False) -> dict:
    button = {"type": "button", "action_id": REQUEST_INTRO, "text": {"type": "plain_text", "text": "Request intro"},
              "value": json.dumps({"ask_id": ask_id, "company_id": company_id})}
    if primary:
        button["style"] = "primary"
    return button


def _value(ask_id: int, company_id: int) -> str:
    return json.dumps({"ask_id": ask_id, "company_id": company_id})


def match_blocks(n: int, match, *, ask_id: int, linked: bool, state: str | None = None,
                 primary: bool = False) -> list[dict]:
    """One partner: name, type and a Strong / Possible label, plain reasons, then Request intro
    (or what became of the request) and View profile. `match` is a Match or a saved result."""
    head = f"*{safe(match.company, 150)}*"
    if match.partner_type:
        head += f" · {safe(match.partner_type, 60)}"
    head += f" · {match_label(match.score, getattr(match, 'confidence', None))}"
    reasons = plain_reasons(match.reasons, limit=4)
    text = head + ("\n" + " · ".join(safe(r, 300) for r in reasons) if reasons else "")
    blocks = [_section(truncate(text, 3000))]  # never half an escaped entity
    elements: list[dict] = []
    if state is not None:  # requested already: the button says what became of it, and does nothing
        elements.append({"type": "button", "action_id": REQUESTED, "value": _value(ask_id, match.company_id),
                         "text": {"type": "plain_text", "text": REQUESTED_LABELS.get(state, "✓ Requested")}})
    elif linked:
        elements.append(request_button(ask_id, match.company_id, primary=primary))
    elements.append({"type": "button", "action_id": VIEW_PROFILE, "value": _value(ask_id, match.company_id),
                     "text": {"type": "plain_text", "text": "View profile"}})
    blocks.append({"type": "actions", "block_id": f"match_{match.company_id}", "elements": elements})
    if not linked and state is None:
        blocks.append(_context(f":information_source: {NOT_LINKED}"))
    return blocks


def coverage_blocks(ranking: Ranking) -> list[dict]:
    """Who covers which part (only for asks with several needs)."""
    if len(ranking.ask.needs) < 2:
        return []
    return _coverage([(need, [m.company for m in covering]) for need, covering in ranking.coverage()])


def _coverage(parts: list[tuple[str, list[str]]]) -> list[dict]:
    lines = ["*Who covers which part*"]
    for need, names in parts:
        if names:
            lines.append(f"• “{safe(need, 150)}” → " + ", ".join(f"*{safe(n, 80)}*" for n in names[:3]))
        else:
            lines.append(f"• “{safe(need, 150)}” → nobody in the directory yet (recorded as unmet demand)")
    return [_section(truncate("\n".join(lines), 3000))]


def results_message(*, ask_id: int, ranking: Ranking, linked: set[int], asker_has_profile: bool = True,
                    title: str | None = None, requested: dict[int, str] | None = None,
                    notice: str | None = None) -> tuple[str, list[dict]]:
    """The answer to an ask: (fallback text, blocks). `title`: the ask as shown (default: its text);
    `requested`: company id -> state of the introductions already requested from this ask;
    `notice`: a line shown first (e.g. the answer to a Request intro click)."""
    coverage = coverage_blocks(ranking) if ranking.strong else []
    return render_results(ask_id=ask_id, title=title or ranking.ask.text, needs=ranking.needs,
                          strong=ranking.strong, leads=ranking.leads, coverage=coverage, linked=linked,
                          asker_has_profile=asker_has_profile, requested=requested, notice=notice)


def saved_results_message(*, ask_id: int, title: str, needs: list[str], results: list[dict], linked: set[int],
                          requested: dict[int, str] | None = None, notice: str | None = None,
                          asker_has_profile: bool = True, notice_button: dict | None = None) -> tuple[str, list[dict]]:
    """An ask's results again, from what was saved when it was answered (Ask.results): after a
    Request intro click, and from the App Home's "See matches"."""
    shown = [SimpleNamespace(company_id=r.get("company_id"), company=r.get("company") or "a partner",
                             partner_type=r.get("partner_type") or "", score=r.get("score") or 0,
                             reasons=r.get("reasons") or [], confidence=r.get("confidence") or "strong",
                             covers=r.get("covers") or [])
             for r in results if isinstance(r, dict) and r.get("company_id")]
    strong = [m for m in shown if m.confidence != "weak"]
    coverage = (_coverage([(need, [m.company for m in strong if need in m.covers]) for need in needs])
                if strong and len(needs) > 1 else [])
    return render_results(ask_id=ask_id, title=title, needs=needs, strong=strong,
                          leads=[m for m in shown if m.confidence == "weak"], coverage=coverage, linked=linked,
                          asker_has_profile=asker_has_profile, requested=requested, notice=notice,
                          notice_button=notice_button)


def render_results(*, ask_id: int, title: str, needs: list[str], strong: list, leads: list, coverage: list[dict],
                   linked: set[int], asker_has_profile: bool, requested: dict[int, str] | None,
                   notice: str | None, notice_button: dict | None = None) -> tuple[str, list[dict]]:
    requested = requested or {}
    top: list[dict] = [_context(notice)] if notice else []
    if notice and notice_button:  # e.g. "Add a note for the manager" next to "your request is waiting"
        top = [{**_section(notice), "accessory": notice_button}]
    if not strong:
        fallback, blocks = no_match_message(title, needs)
        return fallback, top + blocks + lead_blocks(leads, ask_id=ask_id, linked=linked, requested=requested)
    shown = strong[:MAX_SHOWN]
    fallback = f"{plural(len(shown), 'partner')} for “{safe(title, 200)}”"
    blocks = [*top, _section(f"*Partners for* “{safe(title, 500)}”"), *coverage, {"type": "divider"}]
    # One primary button at most: the best partner's, while nothing is requested yet.
    primary_id = shown[0].company_id if not requested and shown[0].company_id in linked else None
    for n, match in enumerate(shown, 1):
        blocks += match_blocks(n, match, ask_id=ask_id, linked=match.company_id in linked,
                               state=requested.get(match.company_id), primary=match.company_id == primary_id)
    tail = "*Request intro* sends the request to a vendor manager for approval."
    if not asker_has_profile:
        tail += " Create your company profile with `/partnerprofile` first, so partners know who you are."
    blocks.append(_context(tail))
    return fallback, blocks


LEADS_TITLE = "No strong match — closest leads"


def lead_blocks(leads: list, *, ask_id: int, linked: set[int], requested: dict[int, str] | None = None) -> list[dict]:
    """Weak leads, shown only when nothing is strong, each with why it might fit."""
    leads = leads[:3]
    if not leads:
        return []
    blocks: list[dict] = [{"type": "divider"}, _section(f"*{LEADS_TITLE}*")]
    for n, lead in enumerate(leads, 1):
        blocks += match_blocks(n, lead, ask_id=ask_id, linked=lead.company_id in linked,
                               state=(requested or {}).get(lead.company_id))
    return blocks


def no_match_message(text: str, needs: list[str]) -> tuple[str, list[dict]]:
    """Honest: nobody matches well; no weak matches dressed up as good ones."""
    fallback = f"No partner matches “{safe(text, 200)}” well enough yet."
    body = (f"No partner in the directory matches “{safe(text, 500)}” well enough yet.\n"
            "I've recorded it as unmet demand, so the vendor team sees what partners are missing.")
    blocks = [_section(body)]
    blocks.append(_context("Try other words or a wider region, or `/findpartner` with no text for the "
                           "structured form. A vendor manager can also help."))
    return fallback, blocks


def ask_modal(*, private_metadata: str = "") -> dict:
    """The structured ask: need (required), industry, region, customer context, timing."""

    def text_input(block_id: str, label: str, placeholder: str, *, optional: bool, multiline: bool = False) -> dict:
        return {"type": "input", "block_id": block_id, "optional": optional,
                "label": {"type": "plain_text", "text": label},
                "element": {"type": "plain_text_input", "action_id": FIELD_ACTION, "multiline": multiline,
                            "max_length": LIMITS[block_id],
                            "placeholder": {"type": "plain_text", "text": placeholder}}}

    timing = {"type": "input", "block_id": "timing", "optional": True,
              "label": {"type": "plain_text", "text": "Timing"},
              "element": {"type": "static_select", "action_id": FIELD_ACTION,
                          "placeholder": {"type": "plain_text", "text": "When is it needed?"},
                          "options": [{"text": {"type": "plain_text", "text": label}, "value": value}
                                      for value, label in TIMING_OPTIONS]}}
    return {
        "type": "modal", "callback_id": ASK_MODAL_CALLBACK, "private_metadata": private_metadata,
        "title": {"type": "plain_text", "text": "Find a partner"},
        "submit": {"type": "plain_text", "text": "Find partners"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": [
            _section("Describe what you need; several needs are fine (“UC install plus custom phone apps”). "
                     "Results arrive as a direct message from the bot."),
            text_input("need", "What do you need?", "e.g. Cisco UC installation plus custom IP phone apps",
                       optional=False, multiline=True),
            text_input("industry", "Industry", "e.g. restaurants, healthcare", optional=True),
            text_input("region", "Region", "e.g. Tucson, AZ · Texas · EMEA", optional=True),
            text_input("context", "Customer context", "e.g. 26 sandwich franchises upgrading their phones",
                       optional=True, multiline=True),
            timing,
        ],
    }


def read_ask_modal(values: dict) -> tuple[dict[str, str], dict[str, str]]:
    """(fields, errors) from a submitted ask modal's state values; errors are per block id."""
    fields: dict[str, str] = {}
    for block_id in ("need", "industry", "region", "context"):
        raw = ((values.get(block_id) or {}).get(FIELD_ACTION) or {}).get("value") or ""
        fields[block_id] = raw.strip()
    selected = ((values.get("timing") or {}).get(FIELD_ACTION) or {}).get("selected_option") or {}
    labels = dict(TIMING_OPTIONS)
    fields["timing"] = labels.get(selected.get("value") or "", "")
    errors: dict[str, str] = {}
    if not fields["need"]:
        errors["need"] = "Tell us what you need, e.g. “Cisco UC installation in Arizona”."
    for block_id, limit in LIMITS.items():
        if len(fields[block_id]) > limit:
            errors[block_id] = f"Please keep this to {limit} characters (it has {len(fields[block_id])})."
    return fields, errors


def modal_ask_text(fields: dict[str, str]) -> str:
    """The ask as one line, for the results header and the Ask row."""
    text = fields["need"]
    if fields.get("industry"):
        text += f" — industry: {fields['industry']}"
    if fields.get("region"):
        text += f" — region: {fields['region']}"
    return text
