"""Block Kit for /findpartner: results, coverage, no-match and the ask modal, within limits."""

from __future__ import annotations

import json
from datetime import date

import pytest

from bot.blocks.limits import check_blocks, check_modal
from bot.blocks.matches import ask_modal, modal_ask_text, no_match_message, read_ask_modal, results_message
from bot.matching.asks import parse_ask
from bot.matching.index import DirectoryIndex
from bot.matching.profile import ProfileRecord
from bot.matching.scorer import rank


@pytest.fixture(scope="module")
def index():
    idx = DirectoryIndex()
    idx.bulk_load([
        ProfileRecord(1, "Calence", "solution provider", ("Cisco Unified Communications installation",),
                      regions=("Arizona",), certifications=("Cisco Gold Certified",)),
        ProfileRecord(2, "IPcelerate", "ISV", ("custom applications for Cisco IP phones", "timecard apps"),
                      regions=("United States",)),
        ProfileRecord(3, "<!channel> *Bold* & Co " + "x" * 300, "installer <@U0MANAGER1>",
                      ("UC installation <!here> " + "y" * 3000,), regions=("Tucson, AZ",)),
    ] + [ProfileRecord(10 + n, f"UC shop {n}", "installer", ("unified communications installation",))
         for n in range(30)])
    return idx


def ranking(index, text, top=5):
    return rank(index, parse_ask(text, index), today=date(2026, 11, 2), top=top)


def request_buttons(blocks):
    return [e for b in blocks if b["type"] == "actions" for e in b["elements"] if e["action_id"] == "request_intro"]


def test_results_have_reasons_scores_and_request_buttons(index):
    r = ranking(index, "cisco UC install plus custom ip phone apps for timecards in Tucson")
    text, blocks = results_message(ask_id=7, ranking=r, linked={1, 2})
    check_blocks(blocks)
    dumped = json.dumps(blocks, ensure_ascii=False)
    assert "Who covers which part" in dumped
    buttons = request_buttons(blocks)
    assert {json.loads(b["value"])["company_id"] for b in buttons} == {1, 2}
    assert all(json.loads(b["value"])["ask_id"] == 7 for b in buttons)
    # Plain labels, no raw scores or matcher jargon; one primary button at most; View profile for each.
    assert "Strong match" in dumped and "score" not in dumped.lower() and "≈" not in dumped
    assert "Places read" not in dumped and "partners for" in text.lower()
    assert [b.get("style") for b in buttons].count("primary") == 1 and buttons[0].get("style") == "primary"
    profiles = [e for b in blocks if b["type"] == "actions" for e in b["elements"]
                if e["action_id"] == "view_partner_profile"]
    assert len(profiles) == len([m for m in r.matches if m.strong])
    assert "no Slack user linked" not in dumped


def test_a_partner_without_slack_user_gets_a_note_instead_of_a_button(index):
    r = ranking(index, "UC installation in Tucson")
    assert 3 in [m.company_id for m in r.matches]
    _text, blocks = results_message(ask_id=7, ranking=r, linked={1, 2})
    check_blocks(blocks)
    assert "no Slack user linked yet — ask a vendor manager" in json.dumps(blocks, ensure_ascii=False)
    assert all(json.loads(b["value"])["company_id"] in {1, 2} for b in request_buttons(blocks))


def test_partner_text_is_escaped_and_cut_to_fit(index):
    r = ranking(index, "UC installation in Tucson", top=10)
    _text, blocks = results_message(ask_id=1, ranking=r, linked={m.company_id for m in r.matches})
    check_blocks(blocks)
    dumped = json.dumps(blocks)
    assert "&lt;!channel&gt;" in dumped and "<!channel>" not in dumped and "<!here>" not in dumped
    assert "<@U0MANAGER1>" not in dumped


def test_many_results_stay_under_the_block_limit(index):
    r = ranking(index, "unified communications installation", top=40)
    _text, blocks = results_message(ask_id=1, ranking=r, linked=set())
    check_blocks(blocks)
    assert len(blocks) <= 50


def test_no_match_message_is_honest(index):
    r = ranking(index, "underwater basket weaving")
    text, blocks = results_message(ask_id=3, ranking=r, linked=set())
    check_blocks(blocks)
    assert "No partner" in text and not request_buttons(blocks)
    _t, blocks = no_match_message("<!channel> stuff", ["<!channel> stuff"])
    assert "<!channel>" not in json.dumps(blocks)


def test_weak_leads_are_shown_apart_with_why_and_the_ask_stays_unmet():
    """Nothing strong: up to 3 closest leads under their own heading, each with its closest phrase."""
    idx = DirectoryIndex()
    idx.bulk_load([
        ProfileRecord(1, "Calence", "solution provider", ("Cisco Unified Communications installation",)),
        ProfileRecord(2, "Vet Bridge", "systems integrator", ("practice management system integration",),
                      description="We connect exam-room screens to PIMS records."),
    ])
    r = ranking(idx, "the owner wants the exam-room screens to pull records")
    assert r.matches and not r.strong and [m.company for m in r.leads] == ["Vet Bridge"]
    assert r.unmet and r.unmet_needs == r.needs
    lead = r.leads[0]
    assert lead.confidence == "weak" and lead.as_dict(r.ask)["confidence"] == "weak"
    assert lead.reasons[0] == "closest: ‘We connect exam-room screens to PIMS records.’"
    text, blocks = results_message(ask_id=4, ranking=r, linked={2})
    check_blocks(blocks)
    dumped = json.dumps(blocks, ensure_ascii=False)
    assert "No partner" in text and "No strong match — closest leads" in dumped and "Vet Bridge" in dumped
    assert dumped.index("No partner in the directory") < dumped.index("closest leads") < dumped.index("Vet Bridge")


def test_strong_results_carry_no_leads_heading(index):
    r = ranking(index, "UC installation in Tucson")
    assert r.matches and all(m.confidence == "strong" for m in r.matches) and not r.leads
    _text, blocks = results_message(ask_id=7, ranking=r, linked=set())
    assert "closest leads" not in json.dumps(blocks, ensure_ascii=False)


def test_ask_modal_fits_and_reads_back():
    view = ask_modal(private_metadata="C0GENERAL1")
    check_modal(view)
    values = {"need": {"value": {"value": " UC install "}}, "industry": {"value": {"value": "restaurants"}},
              "region": {"value": {"value": "Tucson, AZ"}}, "context": {"value": {"value": None}},
              "timing": {"value": {"selected_option": {"value": "month"}}}}
    fields, errors = read_ask_modal(values)
    assert errors == {}
    assert fields == {"need": "UC install", "industry": "restaurants", "region": "Tucson, AZ", "context": "",
                      "timing": "Within a month"}
    assert modal_ask_text(fields) == "UC install — industry: restaurants — region: Tucson, AZ"
    _f, errors = read_ask_modal({"need": {"value": {"value": ""}}, "context": {"value": {"value": "z" * 1001}}})
    assert set(errors) == {"need", "context"}
