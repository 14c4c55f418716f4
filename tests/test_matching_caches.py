"""The per-index caches that make an ask cheaper (bot.matching.index, bot.matching.scorer) never
show a stale answer: a profile's new regions or open introductions count at the next ask."""

from __future__ import annotations

import dataclasses
from datetime import date

from bot.matching.asks import parse_ask
from bot.matching.index import DirectoryIndex
from bot.matching.profile import ProfileRecord
from bot.matching.scorer import AnalysisCache, rank

TODAY = date(2026, 11, 2)


def _soc(company_id: int, name: str, regions: tuple[str, ...]) -> ProfileRecord:
    return ProfileRecord(company_id=company_id, name=name, partner_type="Managed service provider",
                         capabilities=("security operations center",), regions=regions)


def test_an_edited_region_counts_at_the_next_ask_for_the_same_place():
    index = DirectoryIndex()
    index.bulk_load([_soc(1, "Lone Star SOC", ("Texas",)), _soc(2, "Buckeye SOC", ("Ohio",))])
    cache = AnalysisCache()
    first = rank(index, parse_ask("SOC in Texas", index), today=TODAY, cache=cache)
    assert [m.company for m in first.strong][:1] == ["Lone Star SOC"]
    edited = index.fork()  # as the directory applies a change: to a fork, then published
    edited.upsert(dataclasses.replace(_soc(2, "Buckeye SOC", ("Texas",))))
    edited.upsert(dataclasses.replace(_soc(1, "Lone Star SOC", ("Ohio",))))
    after = rank(edited, parse_ask("SOC in Texas", edited), today=TODAY, cache=cache)
    assert [m.company for m in after.strong][:1] == ["Buckeye SOC"]
    # The published index the earlier asks used still answers as it did (readers never see a fork).
    again = rank(index, parse_ask("SOC in Texas", index), today=TODAY, cache=cache)
    assert [m.company for m in again.strong][:1] == ["Lone Star SOC"]


def test_a_profile_changed_in_place_clears_the_cached_tiers():
    index = DirectoryIndex()  # building (bulk_load, compaction) changes an index in place
    index.bulk_load([_soc(1, "Lone Star SOC", ("Texas",)), _soc(2, "Buckeye SOC", ("Ohio",))])
    assert [m.company for m in rank(index, parse_ask("SOC in Ohio", index), today=TODAY).strong][:1] == ["Buckeye SOC"]
    index.upsert(_soc(2, "Buckeye SOC", ("Texas",)))
    index.upsert(_soc(3, "Cleveland SOC", ("Ohio",)))
    assert [m.company for m in rank(index, parse_ask("SOC in Ohio", index), today=TODAY).strong][:1] == ["Cleveland SOC"]
