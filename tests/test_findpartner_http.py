"""/findpartner over HTTP with signed requests, asserting on what the fake Slack received."""

from __future__ import annotations

import json

from sqlmodel import Session, select

from models.ask import Ask
from tests.matching_data import ASKER, tucson_directory
from tests.slackrequests import select_value, text_value

CASE = "cisco UC install plus custom ip phone apps for timecards in Tucson, AZ"


def _dump(blocks) -> str:
    return json.dumps(blocks, ensure_ascii=False)


def _buttons(blocks: list[dict]) -> list[dict]:
    return [e for b in blocks if b["type"] == "actions" for e in b["elements"] if e["action_id"] == "request_intro"]


def _asks(engine) -> list[Ask]:
    with Session(engine) as session:
        return list(session.exec(select(Ask).order_by(Ask.id)))


def test_findpartner_answers_ephemerally_with_ranked_partners_and_buttons(bot):
    ids = tucson_directory(bot.engine)
    reply = bot.slack.command("/findpartner", CASE, user_id=ASKER)
    assert reply.status == 200
    assert reply.json()["response_type"] == "ephemeral"
    assert "Looking for partners" in reply.json()["text"]

    answer = bot.fake.wait_for_response()[0]
    assert answer["response_type"] == "ephemeral"
    assert answer["replace_original"] is True
    blocks = answer["blocks"]
    dumped = _dump(blocks)
    assert "Calence" in dumped and "IPcelerate" in dumped
    assert "Asker Voice" not in dumped  # the asker's own company is never proposed
    assert "Who covers which part" in dumped
    assert "Cisco Gold Certified" in dumped
    assert "includes Tucson" in dumped

    ask = _asks(bot.engine)[-1]
    assert ask.asker_user_id == ASKER and ask.company_id == ids["Asker Voice"]
    assert ask.needs == ["cisco UC install", "custom ip phone apps for timecards"]
    assert ask.unmet is False and ask.matches_shown == len(ask.results) >= 2
    values = [json.loads(b["value"]) for b in _buttons(blocks)]
    assert {"ask_id": ask.id, "company_id": ids["Calence"]} in values
    assert {"ask_id": ask.id, "company_id": ids["IPcelerate"]} in values
    covers = {r["company"]: r["covers"] for r in ask.results}
    assert covers["Calence"] == ["cisco UC install"]
    assert covers["IPcelerate"] == ["custom ip phone apps for timecards"]


def test_partner_typed_text_is_escaped(bot):
    tucson_directory(bot.engine)
    bot.slack.command("/findpartner", "UC installation in Arizona", user_id=ASKER)
    blocks = bot.fake.wait_for_response()[0]["blocks"]
    dumped = _dump(blocks)
    assert "&lt;!channel&gt;" in dumped
    assert "<!channel>" not in dumped
    assert "<@U0MANAGER1>" not in dumped and "<https://evil.example" not in dumped


def test_partner_without_slack_user_has_no_button_but_a_note(bot):
    ids = tucson_directory(bot.engine)
    bot.slack.command("/findpartner", "unified communications installation in Tucson", user_id=ASKER)
    blocks = bot.fake.wait_for_response()[0]["blocks"]
    companies = [json.loads(b["value"])["company_id"] for b in _buttons(blocks)]
    assert ids["Unlinked UC"] not in companies
    assert "Unlinked UC" in _dump(blocks)
    assert "no Slack user linked yet — ask a vendor manager" in _dump(blocks)


def test_no_match_is_honest_and_recorded_as_unmet(bot):
    tucson_directory(bot.engine)
    bot.slack.command("/findpartner", "underwater basket weaving", user_id=ASKER)
    answer = bot.fake.wait_for_response()[0]
    assert "No partner in the directory matches" in _dump(answer["blocks"])
    assert _buttons(answer["blocks"]) == []
    ask = _asks(bot.engine)[-1]
    assert ask.unmet is True and ask.matches_shown == 0
    assert ask.needs == ["underwater basket weaving"]
    assert ask.unmet_needs == ["underwater basket weaving"]  # all its needs: the recruiting list counts them


def test_part_of_an_ask_nobody_covers_is_recorded_as_unmet_need(bot):
    tucson_directory(bot.engine)
    bot.slack.command("/findpartner", "cisco UC install plus underwater basket weaving", user_id=ASKER)
    answer = bot.fake.wait_for_response()[0]
    dumped = _dump(answer["blocks"])
    assert "Who covers which part" in dumped and "Calence" in dumped
    # Slack and the database agree on the part nobody covers.
    assert "“underwater basket weaving” → nobody in the directory yet" in dumped
    assert "“cisco UC install” → nobody" not in dumped
    ask = _asks(bot.engine)[-1]
    assert ask.needs == ["cisco UC install", "underwater basket weaving"]
    assert ask.unmet is False and ask.matches_shown >= 1  # something matched: not a no-match ask
    assert ask.unmet_needs == ["underwater basket weaving"]


def test_unmet_ask_with_no_needs_read_is_recorded_by_its_text(bot):
    tucson_directory(bot.engine)
    bot.slack.command("/findpartner", "in Tucson, AZ", user_id=ASKER)
    bot.fake.wait_for_response()
    ask = _asks(bot.engine)[-1]
    assert ask.unmet is True and ask.needs == []
    assert ask.unmet_needs == ["in Tucson, AZ"]


def test_fully_covered_ask_records_no_unmet_needs(bot):
    tucson_directory(bot.engine)
    bot.slack.command("/findpartner", CASE, user_id=ASKER)
    bot.fake.wait_for_response()
    ask = _asks(bot.engine)[-1]
    assert ask.unmet is False and ask.unmet_needs == []


def test_profile_change_shows_in_the_next_answer(bot):
    from datetime import UTC, datetime, timedelta

    from models.company import Company
    from models.db import session_scope

    ids = tucson_directory(bot.engine)
    bot.slack.command("/findpartner", "bakery inventory software in Germany", user_id=ASKER)
    first = _dump(bot.fake.wait_for_response(1)[0]["blocks"])
    assert "Berlin Bakery IT" in first
    with session_scope(bot.engine) as session:
        company = session.get(Company, ids["Berlin Bakery IT"])
        company.capacity = "full"
        company.updated_at = datetime.now(UTC) + timedelta(seconds=1)
    bot.slack.command("/findpartner", "bakery inventory software in Germany", user_id=ASKER)
    second = _dump(bot.fake.wait_for_response(2)[1]["blocks"])
    assert "Berlin Bakery IT" not in second


def test_no_text_opens_the_structured_ask_modal(bot):
    reply = bot.slack.command("/findpartner", "", user_id=ASKER)
    assert reply.status == 200
    call = bot.fake.wait_for("views.open")[0]
    assert call.args["trigger_id"].startswith("trig.")
    view = call.args["view"]
    assert view["callback_id"] == "findpartner_ask"
    assert [b.get("block_id") for b in view["blocks"] if b["type"] == "input"] == [
        "need", "industry", "region", "context", "timing"]
    bot.fake.settle()
    assert bot.fake.responses == []


def _modal_values(need: str | None, *, industry=None, region=None, context=None, timing=None) -> dict:
    return {"need": {"value": text_value(need)}, "industry": {"value": text_value(industry)},
            "region": {"value": text_value(region)}, "context": {"value": text_value(context)},
            "timing": {"value": select_value(timing)}}


def test_modal_rejects_an_empty_need_inline(bot):
    reply = bot.slack.view_submission("findpartner_ask", _modal_values("   "), user_id=ASKER)
    assert reply.status == 200
    body = reply.json()
    assert body["response_action"] == "errors"
    assert "need" in body["errors"]
    bot.fake.settle()
    assert bot.fake.calls_to("chat.postMessage") == []
    assert _asks(bot.engine) == []


def test_modal_rejects_over_long_fields_inline(bot):
    reply = bot.slack.view_submission("findpartner_ask", _modal_values("UC install", region="x" * 151), user_id=ASKER)
    body = reply.json()
    assert body["response_action"] == "errors"
    assert set(body["errors"]) == {"region"}


def test_modal_submit_ranks_and_answers_by_direct_message(bot):
    ids = tucson_directory(bot.engine)
    reply = bot.slack.view_submission(
        "findpartner_ask",
        _modal_values("Cisco UC installation", industry="sandwich restaurants", region="Tucson, AZ",
                      context="26 franchises", timing="quarter"), user_id=ASKER)
    assert reply.status == 200 and not reply.body.strip(b" {}")
    call = bot.fake.wait_for("chat.postMessage", where=lambda c: c.args.get("channel") == ASKER)[0]
    dumped = _dump(call.args["blocks"])
    assert "Calence" in dumped and "Asker Voice" not in dumped
    assert "region: Tucson, AZ" in dumped
    ask = _asks(bot.engine)[-1]
    assert (ask.text, ask.industry, ask.region, ask.context, ask.timing) == (
        "Cisco UC installation", "sandwich restaurants", "Tucson, AZ", "26 franchises", "This quarter")
    values = [json.loads(b["value"]) for b in _buttons(call.args["blocks"])]
    assert values[0] == {"ask_id": ask.id, "company_id": ids["Calence"]}


def test_help_answers_usage_without_searching(bot):
    reply = bot.slack.command("/findpartner", "help", user_id=ASKER)
    assert reply.status == 200
    assert "/findpartner" in reply.json()["text"] and "structured ask" in reply.json()["text"]
    bot.fake.settle()
    assert bot.fake.responses == [] and _asks(bot.engine) == []


def test_the_askers_own_text_is_escaped_too(bot):
    tucson_directory(bot.engine)
    reply = bot.slack.command("/findpartner", "UC install <!channel> in Tucson", user_id=ASKER)
    assert "<!channel>" not in reply.json()["text"]
    answer = bot.fake.wait_for_response()[0]
    assert "<!channel>" not in answer["text"] and "<!channel>" not in _dump(answer["blocks"])
    assert "&lt;!channel&gt;" in _dump(answer["blocks"])
