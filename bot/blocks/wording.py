"""Words people read: plain match reasons and labels (no matcher jargon, no raw scores),
counts with the right plural, Slack date tokens, money with its currency."""

from __future__ import annotations

import re
from datetime import datetime

STRONG_SCORE = 75.0  # at or above: "Strong match"; below (but shown): "Possible match"

# "unified communications ≈ 'UC'" says how the matcher read a word: true, but jargon to a partner.
_READ_AS = re.compile(r"\s*\([^()]*≈[^()]*\)")
# "for “cisco UC install”: …" says which part of a multi-need ask a reason answers.
_FOR_PART = re.compile(r"^for “[^”]*”:\s*")


def match_label(score: float | None, confidence: str | None = None) -> str:
    """'Strong match' / 'Possible match' — what a partner or manager needs instead of 87/100."""
    if confidence == "weak":
        return "Possible match"
    return "Strong match" if (score or 0) >= STRONG_SCORE else "Possible match"


def plain_reasons(reasons: list[str] | None, *, limit: int = 4, skip: tuple[str, ...] = ()) -> list[str]:
    """The matcher's reasons in plain words: how it read a word ('x ≈ y') and which part of the
    ask a reason answers are left out, as are reasons equal to one in `skip` (already shown)."""
    out: list[str] = []
    skipped = {s.strip().lower() for s in skip}
    for reason in reasons or []:
        text = _FOR_PART.sub("", _READ_AS.sub("", str(reason)).strip())
        if not text or "≈" in text or text.lower() in skipped:
            continue
        text = text[0].upper() + text[1:]
        if text not in out:
            out.append(text)
        if len(out) >= limit:
            break
    return out


def plural(count: int | float, word: str, words: str | None = None) -> str:
    """'1 ask', '2 asks', '0 asks' ('1 match', '2 matches' with words='matches')."""
    n = int(count) if float(count).is_integer() else count
    return f"{n:,} {word if n == 1 else (words or word + 's')}"


def slack_date(at: datetime, fmt: str = "{date_short_pretty}") -> str:
    """A Slack date token: each reader sees it in their own time zone (the fallback is UTC)."""
    fallback = at.strftime("%b %d, %Y %H:%M UTC")
    return f"<!date^{int(at.timestamp())}^{fmt}|{fallback}>"


CURRENCY_SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥", "CAD": "CA$", "AUD": "A$", "INR": "₹"}


def money(value: float | int | None, currency: str = "USD", *, short: bool = False) -> str:
    """'$185,000' or, short, '$185k'; other currencies as '185,000 CHF'."""
    amount = float(value or 0)
    if short and amount >= 1_000_000:
        number = f"{amount / 1_000_000:,.1f}".removesuffix(".0") + "M"
    elif short and amount >= 1_000:
        number = f"{amount / 1_000:,.1f}".removesuffix(".0") + "k"
    else:
        number = f"{amount:,.2f}".removesuffix(".00")
    symbol = CURRENCY_SYMBOLS.get(currency.upper())
    return f"{symbol}{number}" if symbol else f"{number} {currency.upper()}"
