"""Showing user-typed text in Slack safely, and keeping it inside Block Kit limits."""

from __future__ import annotations

import re

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def strip_controls(text: str) -> str:
    """`text` without control characters (NUL, escape sequences, ...); tabs and line breaks stay.
    PostgreSQL refuses NUL in text, and a terminal obeys escape sequences."""
    return _CONTROL.sub("", text) if _CONTROL.search(text) else text


def scrub(value):
    """Every string in a parsed request body (dicts and lists, in place) without control characters."""
    if isinstance(value, dict):
        for key, item in value.items():
            value[key] = strip_controls(item) if isinstance(item, str) else scrub(item)
    elif isinstance(value, list):
        for i, item in enumerate(value):
            value[i] = strip_controls(item) if isinstance(item, str) else scrub(item)
    return value


def escape(text: str | None) -> str:
    """Escape `&`, `<`, `>` so mrkdwn shows text as typed.

    With these three escaped, `<!channel>`, `<@U123>` and `<https://x|y>` lose their
    meaning and show as typed: nobody is pinged and no link is injected.
    """
    if not text:
        return ""
    text = _CONTROL.sub("", text)
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def truncate(text: str, limit: int, *, ellipsis: str = "…") -> str:
    """Cut `text` to at most `limit` characters, never in the middle of an `&...;` entity."""
    if len(text) <= limit:
        return text
    cut = text[: max(0, limit - len(ellipsis))]
    amp = cut.rfind("&")
    if amp != -1 and ";" not in cut[amp:]:
        cut = cut[:amp]
    # Nor in a Slack token (`<@U1>`, `<#C1>`, `<!date^…|…>`): user text has its `<` escaped, so
    # a bare `<` is one of ours, and half of it would show as raw markup.
    angle = cut.rfind("<")
    if angle != -1 and ">" not in cut[angle:]:
        cut = cut[:angle]
    return cut + ellipsis


def safe(text: str | None, limit: int) -> str:
    """Escaped and cut to `limit` characters: for user text inside a mrkdwn field."""
    return truncate(escape(text), limit)


def plain(text: str | None, limit: int) -> str:
    """For plain_text fields (Slack shows them literally): no escaping, only length."""
    if not text:
        return ""
    return truncate(_CONTROL.sub("", text), limit)
