"""Near misses: an ask that sounds like something in the directory but asks for another kind
of work gets no proposal (weak leads at most), while the real ask next to it still does."""

from __future__ import annotations

from datetime import date

import pytest

from bot.matching.asks import parse_ask
from bot.matching.index import DirectoryIndex
from bot.matching.scorer import rank
from tests.devset.evaluation import load_profiles

TODAY = date(2026, 12, 6)


@pytest.fixture(scope="module")
def devset_index():
    index = DirectoryIndex()
    index.bulk_load(load_profiles())
    return index


def proposed(index, text: str) -> list[str]:
    return [m.company for m in rank(index, parse_ask(text, index), today=TODAY).strong]


@pytest.mark.parametrize("text", [
    "Urgent care group in Albuquerque is short on nurses. Anyone supply per diem RNs and medical assistants?",
    "restaurant client in Portland, Maine needs temp line cooks and dishwashers for the summer",
    "Dental group had a breach last month; forensics are done. Who can draft the patient notification letters?",
    "client with 3 bakeries needs someone to catch up their QuickBooks bookkeeping and file their income taxes",
    "Hospital in Cleveland needs preventive maintenance and calibration on infusion pumps and patient monitors",
])
def test_staff_or_work_nobody_offers_is_not_proposed(devset_index, text):
    assert proposed(devset_index, text) == []


@pytest.mark.parametrize("text, partner", [
    ("need contract help desk technicians for a clinic group", "Nimbus Staffing Solutions"),
    ("24/7 security monitoring for a bank, someone to respond to incidents at night", "Sentinel SOC Services"),
])
def test_the_real_ask_beside_a_near_miss_is_still_proposed(devset_index, text, partner):
    assert partner in proposed(devset_index, text)
