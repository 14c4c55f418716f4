"""Slack channel names for introductions: `p2p-<a>-<b>`, lower case, `a-z0-9-_`, <= 80 chars."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator

MAX_NAME = 80
PREFIX = "p2p"
# Words that make a company name longer without telling two companies apart.
_NOISE = {"inc", "llc", "ltd", "gmbh", "corp", "corporation", "co", "company", "the", "plc", "ag", "sa", "bv", "srl",
          "limited", "group", "holdings", "and"}
_MAX_PART = 20


def short(name: str, *, fallback: str) -> str:
    """A short slug of a company name: `Cactus Comms, Inc.` -> `cactus-comms`."""
    ascii_name = unicodedata.normalize("NFKD", name or "").encode("ascii", "ignore").decode().lower()
    words = [w for w in re.split(r"[^a-z0-9]+", ascii_name) if w]
    kept = [w for w in words if w not in _NOISE] or words
    slug = ""
    for word in kept[:3]:
        candidate = f"{slug}-{word}" if slug else word
        if len(candidate) > _MAX_PART:
            break
        slug = candidate
    if not slug and kept:
        slug = kept[0][:_MAX_PART]
    return slug or fallback


def base_name(requester: str, target: str, *, requester_id: int | None, target_id: int) -> str:
    a = short(requester, fallback=f"partner{requester_id or ''}")
    b = short(target, fallback=f"partner{target_id}")
    return _fit(f"{PREFIX}-{a}-{b}")


def _fit(name: str, suffix: str = "") -> str:
    room = MAX_NAME - len(suffix)
    return name[:room].rstrip("-_") + suffix


def candidates(base: str, *, intro_id: int, limit: int = 20) -> Iterator[str]:
    """The names to try in order: the base, then suffixed with the introduction id (unique
    to this introduction), then with a counter as well."""
    yield _fit(base)
    yield _fit(base, f"-{intro_id}")
    for n in range(2, limit):
        yield _fit(base, f"-{intro_id}-{n}")


def is_valid(name: str) -> bool:
    return bool(re.fullmatch(r"[a-z0-9_-]{1,80}", name))
