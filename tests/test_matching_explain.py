"""Reasons in plain words (bot/matching/explain.py), table-driven: each field a hit is found in
gives its own kind of reason, and every kind is reachable."""

from __future__ import annotations

from datetime import date

import pytest

from bot.matching.asks import parse_ask
from bot.matching.explain import FIELD_REASONS, TermHit, quote
from bot.matching.index import DirectoryIndex
from bot.matching.profile import ProfileRecord
from bot.matching.scorer import rank
from bot.matching.textnorm import Term

PROFILES = [
    ProfileRecord(1, "Calence", "solution provider", ("Cisco Unified Communications installation",),
                  regions=("Arizona",), certifications=("Cisco Gold Certified",)),
    ProfileRecord(2, "Copperline", "distributor", ("networking hardware",), regions=("United States",)),
    ProfileRecord(3, "Menu Apps", "ISV", ("online ordering apps",), industries=("Restaurants",),
                  regions=("United States",)),
    ProfileRecord(4, "Vet Bridge", "systems integrator", ("practice management system integration",),
                  description="We connect exam-room screens to PIMS records.", regions=("Oregon",)),
    ProfileRecord(5, "Busy Voice", "installer", ("unified communications installation",), regions=("Arizona",),
                  capacity="limited"),
]


@pytest.fixture(scope="module")
def index():
    idx = DirectoryIndex()
    idx.bulk_load(PROFILES)
    return idx


def reasons_for(index, text: str, company: str) -> list[str]:
    r = rank(index, parse_ask(text, index), today=date(2026, 11, 2), top=10)
    found = [m for m in r.matches if m.company == company]
    assert found, (text, [m.company for m in r.matches])
    return found[0].reasons


@pytest.mark.parametrize(("ask", "company", "reason"), [
    ("UC install in Tucson", "Calence", "Cisco Unified Communications installation"),  # the capability phrase
    ("UC install in Tucson", "Calence", "unified communications ≈ 'UC'"),  # a synonym, as typed
    ("unifed comunications install in Arizona", "Calence", "≈ 'unifed comunications'"),  # a corrected slip
    ("Cisco Gold partner for UC", "Calence", "Cisco Gold Certified"),  # a certification naming the ask
    ("UC install in Tucson", "Calence", "serves Arizona — includes Tucson"),  # geography
    ("UC install in Tucson", "Busy Voice", "limited capacity right now"),  # capacity
    ("online ordering apps for restaurants", "Menu Apps", "industry: Restaurants"),  # industries
    ("a distributor of networking hardware", "Copperline", "partner type: distributor"),  # partner type
    ("exam-room screens pulling PIMS records", "Vet Bridge", "description mentions"),  # description
])
def test_each_kind_of_reason_is_given(index, ask, company, reason):
    assert any(reason in r for r in reasons_for(index, ask, company))


@pytest.mark.parametrize(("field", "caps", "expected"), [
    ("capabilities", False, None),  # the phrase is shown once, as the need's first reason
    ("industries", False, "industry: Restaurants"),
    ("certifications", False, "Restaurants"),
    ("partner_type", False, "partner type: Restaurants"),
    ("description", False, "description mentions “restaurants”"),
    ("description", True, None),  # a capability already answers: no passing mention
])
def test_field_reasons_table(field, caps, expected):
    term = Term("c:restaurants", "restaurants", "industry")
    hit = TermHit(term, 1.0, field, "Restaurants", term)
    assert FIELD_REASONS[field](hit, None, caps) == expected


def test_a_long_phrase_is_quoted_short():
    assert quote("x" * 500) == f"closest: ‘{'x' * 119}…’"
