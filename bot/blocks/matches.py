"""Block Kit for /findpartner: ranked results with Request intro buttons, who covers which
part of a multi-need ask, the honest no-match answer, and the structured-ask modal.
Pure functions; partner-typed and user-typed text is escaped (mrkdwn) or plain (plain_text)."""

from __future__ import annotations

import json

from bot.matching.scorer import Match, Ranking
from bot.text import safe

REQUEST_INTRO = "request_intro"
ASK_MODAL_CALLBACK = "findpartner_ask"
FIELD_ACTION = "value"
NEED_MAX, INDUSTRY_MAX, REGION_MAX, CONTEXT_MAX = 500, 150, 150, 1000
LIMITS = {"need": NEED_MAX, "industry": INDUSTRY_MAX, "region": REGION_MAX, "context": CONTEXT_MAX}
TIMING_OPTIONS = (("asap", "As soon as possible"), ("month", "Within a month"), ("quarter", "This quarter"),
                  ("exploring", "Just exploring"))
NOT_LINKED = "no Slack user linked yet — ask a vendor manager"
MAX_SHOWN = 10


def _section(text: str) -> dict:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def _context(text: str) -> dict:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": text}]}


USAGE = ("*/findpartner* — find partners who can do what you need\n"
         "• `/findpartner cisco UC install plus custom IP phone apps in Tucson, AZ` — ranked partners, "
         "with the reasons they match and a *Request intro* button\n"
         "• `/findpartner` — a form for a structured ask (need, industry, region, customer context, timing)\n"
         "Several needs are fine (“plus”, “and”, commas); places can be cities, states, countries or "
         "regions like EMEA.")


def searching_text(text: str) -> str:
    return f":mag: Looking for partners for “{safe(text, 300)}”…"


def request_button(ask_id: int, company_id: int) -> dict:
    return {"type": "button", "action_id": REQUEST_INTRO, "text": {"type": "plain_text", "text": "Request intro"},
            "style": "primary", "value": json.dumps({"ask_id": ask_id, "company_id": company_id})}


def match_blocks(n: int, match: Match, *, ask_id: int, linked: bool) -> list[dict]:
    """One partner: name, type and score, reasons, and the button (or why there is none)."""
    head = f"*{n}. {safe(match.company, 150)}*"
    if match.partner_type:
        head += f" · {safe(match.partner_type, 60)}"
    head += f" · score *{match.score:.0f}*/100"
    lines = [head] + [f"• {safe(reason, 300)}" for reason in match.reasons]
    section = _section("\n".join(lines)[:3000])
    if linked:
        section["accessory"] = request_button(ask_id, match.company_id)
        section["block_id"] = f"match_{match.company_id}"
        return [section]
    return [section, _context(f":information_source: {NOT_LINKED}")]


def coverage_blocks(ranking: Ranking) -> list[dict]:
    """Who covers which part (only for asks with several needs)."""
    if len(ranking.ask.needs) < 2:
        return []
    lines = ["*Who covers which part*"]
    for need, covering in ranking.coverage():
        if covering:
            names = ", ".join(f"*{safe(m.company, 80)}*" for m in covering[:3])
            lines.append(f"• “{safe(need, 150)}” → {names}")
        else:
            lines.append(f"• “{safe(need, 150)}” → nobody in the directory yet (recorded as unmet demand)")
    return [_section("\n".join(lines)[:3000])]


def results_message(*, ask_id: int, ranking: Ranking, linked: set[int], asker_has_profile: bool = True,
                    title: str | None = None) -> tuple[str, list[dict]]:
    """The answer to an ask: (fallback text, blocks). `title`: the ask as shown (default: its text)."""
    title = title or ranking.ask.text
    if not ranking.strong:
        fallback, blocks = no_match_message(title, ranking.needs)
        return fallback, blocks + lead_blocks(ranking, ask_id=ask_id, linked=linked)
    count = min(len(ranking.matches), MAX_SHOWN)
    fallback = f"{count} partner{'s' if count != 1 else ''} for “{safe(title, 200)}”"
    blocks: list[dict] = [_section(f"*Partners for* “{safe(title, 500)}”")]
    if ranking.ask.places:
        blocks.append(_context("Places read: " + ", ".join(safe(p.name, 80) for p in ranking.ask.places[:5])))
    blocks += coverage_blocks(ranking)
    blocks.append({"type": "divider"})
    for n, match in enumerate(ranking.matches[:MAX_SHOWN], 1):
        blocks += match_blocks(n, match, ask_id=ask_id, linked=match.company_id in linked)
    tail = "Scores run 0–100. *Request intro* sends the request to a vendor manager for approval."
    if not asker_has_profile:
        tail += " Create your company profile with `/partnerprofile` first, so partners know who you are."
    blocks.append(_context(tail))
    return fallback, blocks


LEADS_TITLE = "No strong match — closest leads"


def lead_blocks(ranking: Ranking, *, ask_id: int, linked: set[int]) -> list[dict]:
    """Weak leads, shown only when nothing is strong, each with why it might fit."""
    leads = ranking.leads[:3]
    if not leads:
        return []
    blocks: list[dict] = [{"type": "divider"}, _section(f"*{LEADS_TITLE}*")]
    for n, lead in enumerate(leads, 1):
        blocks += match_blocks(n, lead, ask_id=ask_id, linked=lead.company_id in linked)
    return blocks


def no_match_message(text: str, needs: list[str]) -> tuple[str, list[dict]]:
    """Honest: nobody matches well; no weak matches dressed up as good ones."""
    fallback = f"No partner matches “{safe(text, 200)}” well enough yet."
    body = (f"No partner in the directory matches “{safe(text, 500)}” well enough yet.\n"
            "I've recorded it as unmet demand, so the vendor team sees what partners are missing.")
    blocks = [_section(body)]
    if needs:
        blocks.append(_context("Needs read: " + "; ".join(f"“{safe(n, 100)}”" for n in needs[:5])))
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
