"""Semantic retrieval (bot.matching.semantic): the packaged model, phrase vectors shared by
forks, kept through compaction and a save, and the phrase a lead quotes."""

from __future__ import annotations

import pickle
import socket
import subprocess
import sys
from datetime import date

import numpy as np
import pytest

from bot.matching import explain
from bot.matching.asks import parse_ask
from bot.matching.index import DirectoryIndex
from bot.matching.profile import ProfileRecord
from bot.matching.scorer import rank
from bot.matching.semantic import DIM, PhraseVectors, encoder, profile_phrases

TODAY = date(2026, 12, 6)


def cos(a: str, b: str) -> float:
    va, vb = encoder().embed([a, b])
    return float(va @ vb)


def test_vectors_are_unit_length_and_an_empty_text_is_zero():
    v = encoder().embed(["contact center with IVR", "", "Wi-Fi surveys"])
    assert v.shape == (3, DIM) and v.dtype == np.float32
    assert np.allclose(np.linalg.norm(v[[0, 2]], axis=1), 1.0, atol=1e-5)
    assert not v[1].any()


@pytest.mark.parametrize("need, near, far", [
    ("patients wait on hold forever when they call", "call center and IVR", "structured cabling"),
    ("lock or wipe a stolen laptop remotely", "mobile device management", "restaurant point of sale"),
    ("guests complain the hotel internet is awful", "Wi-Fi for hotels", "payroll outsourcing"),
])
def test_a_need_is_closer_to_what_meets_it_than_to_unrelated_work(need, near, far):
    assert cos(need, near) > cos(need, far)


def test_the_model_loads_from_the_installed_package_without_the_network():
    code = ("import socket\n"
            "def refuse(*a, **k): raise OSError('network used')\n"
            "socket.socket.connect = refuse\nsocket.create_connection = refuse\n"
            "from bot.matching.semantic import Encoder\n"
            "print(Encoder().embed(['voip phones']).shape)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert "(1, 256)" in out.stdout
    assert socket.socket.connect is not None  # this process untouched


def test_the_mapped_table_is_what_safetensors_reads():
    from safetensors.numpy import load_file

    from bot.matching.semantic import _mapped_table, _package_dir

    path = _package_dir() / "weights" / f"l2_supercat_{DIM}.safetensors"
    read = load_file(str(path))["embedding.weight"]
    mapped = _mapped_table(path)
    assert mapped.dtype == read.dtype and mapped.shape == read.shape == (32000, DIM)
    assert np.array_equal(mapped, read)


def test_profile_phrases_are_capabilities_then_description_sentences():
    assert profile_phrases(["VoIP", " ", "paging"], "We install phones. Kansas only! ok") == [
        "VoIP", "paging", "We install phones.", "Kansas only!"]


def test_closest_phrase_and_best_per_slot():
    pv = PhraseVectors()
    pv.add(0, ["structured cabling", "fiber splicing"])
    pv.add(1, [])
    pv.add(2, ["call center and IVR", "structured cabling"])
    q = encoder().embed(["callers sit on hold in our phone queue"])[0]
    best = pv.best(q, [0, 1, 2])
    assert best[1] == 0.0 and best[2] > best[0]
    assert pv.closest(q, 2)[1] == "call center and IVR"
    assert len(pv.phrases) == 3  # "structured cabling" embedded once
    rough = pv.coarse_scores(q, 3)
    assert rough.shape == (3,) and rough[2] > rough[0] and rough[1] == 0.0


def test_a_fork_adds_without_changing_what_its_parent_reads():
    parent = PhraseVectors()
    parent.add(0, ["Wi-Fi surveys"])
    parent.embed_pending()
    q = encoder().embed(["payroll"])[0]
    before = parent.coarse_scores(q, 1).copy()
    child = parent.fork()
    child.add(1, ["payroll outsourcing"])
    assert child.embed_pending() == 1
    assert parent.pending == 0 and len(parent.phrases) == 1
    assert np.array_equal(parent.coarse_scores(q, 1), before)
    assert child.coarse_scores(q, 2)[1] > child.coarse_scores(q, 2)[0]


def test_compaction_and_a_saved_index_keep_the_vectors():
    index = DirectoryIndex()
    recs = [ProfileRecord(company_id=i, name=f"P{i}", capabilities=("VoIP phones", f"thing {i}")) for i in range(5)]
    index.bulk_load(recs)
    index.semantic.embed_pending()
    kept = index.semantic.without_slots()
    assert kept.pending == 0 and kept.embedded == 6
    loaded = pickle.loads(pickle.dumps(index))
    assert loaded.semantic.pending == 0
    q = encoder().embed(["voip"])[0]
    assert np.allclose(loaded.semantic_candidates(q), index.semantic_candidates(q))


def test_a_lead_found_by_meaning_quotes_the_partners_closest_phrase():
    index = DirectoryIndex()
    index.bulk_load([
        ProfileRecord(company_id=1, name="Queue Masters", capabilities=("inbound call queues and IVR menus",),
                      regions=("United States",)),
        ProfileRecord(company_id=2, name="Cable Crew", capabilities=("structured cabling",), regions=("United States",)),
    ])
    ranking = rank(index, parse_ask("our patients keep hanging up because nobody answers the phone", index),
                   today=TODAY)
    assert ranking.matches, "the meaning alone finds a lead"
    first = ranking.matches[0]
    assert first.company == "Queue Masters"
    assert first.reasons[0] == "closest: ‘inbound call queues and IVR menus’"


@pytest.mark.parametrize("found, nearest, expected_first", [
    (["serves Texas"], "custom phone apps", "closest: ‘custom phone apps’"),  # nothing shared: meaning
    (["serves Texas"], None, "serves Texas"),  # neither: no quote
])
def test_lead_reasons_fall_back_to_the_phrase_closest_in_meaning(found, nearest, expected_first):
    from bot.matching.profile import ProfileAnalysis
    from bot.matching.vocabulary import load_vocabulary

    out = explain.lead_reasons(found, ("custom phone apps",), ProfileAnalysis(), set(), load_vocabulary(), nearest)
    assert out[0] == expected_first
