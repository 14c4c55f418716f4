"""Lexical retrieval (BM25 over each profile's whole text) and its fusion with the concept scorer."""

from __future__ import annotations

import dataclasses
from datetime import date

import pytest

from bot.matching.asks import parse_ask
from bot.matching.index import DirectoryIndex
from bot.matching.profile import ProfileRecord
from bot.matching.scorer import rank
from bot.matching.weights import WEIGHTS

TODAY = date(2026, 11, 2)


def directory() -> DirectoryIndex:
    idx = DirectoryIndex()
    idx.bulk_load([
        ProfileRecord(1, "Calence", "solution provider", ("Cisco Unified Communications installation",),
                      regions=("Arizona",)),
        ProfileRecord(2, "Vet Bridge", "systems integrator", ("practice management system integration",),
                      industries=("veterinary",), description="We connect exam-room screens to PIMS records."),
        ProfileRecord(3, "Paperless Co", "consultancy", ("document management",),
                      description="Scanning and archiving of paper records for clinics."),
    ])
    return idx


def lexical_order(idx: DirectoryIndex, text: str) -> list[str]:
    ask = parse_ask(text, idx)
    scores = idx.lexical_scores([t for n in ask.needs for t in n.terms])
    return [idx.records[i].name for i in scores.argsort()[::-1] if scores[i] > 0]


def test_bm25_reads_the_description_and_the_vocabulary():
    idx = directory()
    assert lexical_order(idx, "exam-room screens for a vet")[0] == "Vet Bridge"
    assert lexical_order(idx, "UC install")[0] == "Calence"  # a concept meets its synonym
    assert lexical_order(idx, "underwater basket weaving") == []


def test_a_removed_profile_is_no_longer_found_and_a_fork_leaves_its_parent_alone():
    idx = directory()
    fork = idx.fork()
    fork.remove(2)
    fork.upsert(ProfileRecord(4, "Screens R Us", "installer", ("exam-room screens",)))
    assert "Vet Bridge" not in lexical_order(fork, "exam-room screens")
    assert lexical_order(fork, "exam-room screens")[0] == "Screens R Us"
    assert lexical_order(idx, "exam-room screens") == ["Vet Bridge"]  # the parent is unchanged
    assert idx.lexical.docs == 3 and fork.lexical.docs == 3


def test_keyword_evidence_the_concept_scorer_misses_becomes_a_weak_lead_not_a_proposal():
    idx = directory()
    r = rank(idx, parse_ask("the owner wants exam-room screens to pull records", idx), today=TODAY)
    assert not r.strong and r.leads and r.leads[0].company == "Vet Bridge"
    assert r.leads[0].reasons[0].startswith("closest: ")


def test_the_lexical_bonus_is_a_weight_the_benchmark_can_sweep():
    idx = directory()
    ask = parse_ask("records for clinics", idx)
    shares = {}
    for share in (0.0, 0.9):
        r = rank(idx, ask, today=TODAY, weights=dataclasses.replace(WEIGHTS, lexical_bonus=share))
        shares[share] = {m.company: m.score for m in r.matches}
    assert shares[0.0] != shares[0.9]
    with pytest.raises(dataclasses.FrozenInstanceError):
        WEIGHTS.lexical_bonus = 1.0  # type: ignore[misc]


def test_what_the_asker_excludes_counts_against_a_partner_whose_line_of_work_it_is():
    idx = DirectoryIndex()
    idx.bulk_load([
        ProfileRecord(1, "Kube School", "training provider", ("Kubernetes training", "CKA exam prep courses")),
        ProfileRecord(2, "Kube Ops", "managed service provider", ("managed Kubernetes operations",)),
    ])
    plain = rank(idx, parse_ask("Kubernetes training", idx), today=TODAY)
    assert plain.strong[0].company == "Kube School"
    ask = parse_ask("someone to run our Kubernetes clusters, not a training course", idx)
    assert [t.key for t in ask.excluded] == ["c:training"]
    assert "training" not in {t.surface for n in ask.needs for t in n.terms}
    r = rank(idx, ask, today=TODAY)
    assert r.matches[0].company == "Kube Ops"
    assert "Kube School" not in [m.company for m in r.strong]


@pytest.mark.parametrize(("place", "serves"), [
    ("Bergen", "Nordics"), ("Lombardy", "Italy"), ("Queensland", "APAC"), ("Hyderabad", "India"),
    ("Ontario", "Canada"), ("Gauteng", "Africa"), ("Rotterdam", "Benelux"), ("Lodz", "Poland"), ("Bavaria", "DACH"),
])
def test_a_place_inside_a_partners_country_or_macro_region_matches_as_well_as_the_country(place, serves):
    idx = DirectoryIndex()
    idx.bulk_load([
        ProfileRecord(1, "Far Away", "installer", ("network cabling",), regions=("Argentina",)),
        ProfileRecord(2, "Right There", "installer", ("network cabling",), regions=(serves,)),
    ])
    r = rank(idx, parse_ask(f"network cabling for an office in {place}", idx), today=TODAY)
    assert [m.company for m in r.strong] == ["Right There"]
    assert any(reason.startswith(f"serves {serves}") for reason in r.strong[0].reasons), r.strong[0].reasons
