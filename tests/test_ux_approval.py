"""The approval request a manager acts on in seconds: one line, a few fields, the buttons;
full profiles behind View profiles; after the decision one line with who, when and where."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from bot.blocks import intro as b
from bot.blocks.limits import check_blocks, check_modal
from tests.conftest import MANAGER
from tests.intro_setup import (REQUESTER_USER, TARGET_USER, add_ask, intro, introduce,
                               request_and_wait, seed, wait_until)
from tests.test_intro_blocks import ask, company

AT = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def test_request_reads_in_one_line_then_fields():
    blocks = b.approval_request(intro_id=7, ask=ask("Cisco UC install"), requester=company("Saguaro Networks"),
                                target=company("Calence"), requester_user_id="U0BOB", score=93.6,
                                reasons=["serves Arizona — includes Tucson", "unified communications ≈ 'UC'"],
                                open_intros=2, max_open=3, met_before=AT, requested_at=AT)
    check_blocks(blocks)
    first = blocks[0]["text"]["text"]
    assert first == "<@U0BOB> (Saguaro Networks) → *Calence* · Cisco UC install, Arizona · strong match"
    fields = " ".join(f["text"] for f in blocks[1]["fields"])
    assert "2 of 3 allowed" in fields and "Met before*\nYes" in fields and "<!date^1793610000^" in fields
    shown = json.dumps(blocks, ensure_ascii=False)
    assert "≈" not in shown and "score" not in shown.lower() and "#7" not in shown
    buttons = [e["text"]["text"] for blk in blocks if blk["type"] == "actions" for e in blk["elements"]]
    assert buttons == ["Approve", "Decline", "View profiles"]


def test_a_weak_score_is_a_possible_match_and_first_meetings_say_so():
    blocks = b.approval_request(intro_id=7, ask=ask("phones", region=None), requester=company("A"),
                                target=company("B"), requester_user_id="U1", score=50.0, reasons=[])
    assert blocks[0]["text"]["text"].endswith("· possible match")
    assert "No — a first introduction" in json.dumps(blocks, ensure_ascii=False)


def test_decided_shrinks_to_who_when_where():
    kwargs = dict(intro_id=7, ask=ask("Cisco UC install"), requester=company("A"), target=company("B"),
                  requester_user_id="U1", score=90.0, reasons=["x"])
    approved = b.approval_decided(**kwargs, approved=True, manager_id="U0MARIA", at=AT, channel_id="C0P2P")
    check_blocks(approved)
    assert len(approved) == 2 and "actions" not in json.dumps(approved, ensure_ascii=False)
    assert approved[1]["elements"][0]["text"].startswith(":white_check_mark: Approved by <@U0MARIA> · <!date^")
    assert approved[1]["elements"][0]["text"].endswith(" · <#C0P2P>")
    declined = b.approval_decided(**kwargs, approved=False, manager_id="U0MARIA", at=AT, reason="<!channel> no")
    assert "Declined by <@U0MARIA>" in json.dumps(declined, ensure_ascii=False) and "&lt;!channel&gt; no" in json.dumps(declined, ensure_ascii=False)


def test_posted_request_counts_open_intros_and_past_meetings(make_bot):
    bot = make_bot(MAX_OPEN_INTROS="4")
    s = seed(bot.engine)
    first = introduce(bot, s)  # the two met once already
    ask_id = add_ask(bot.engine, user=REQUESTER_USER, company_id=s.requester_id, text="more phone apps",
                     results=[{"company_id": s.target_id, "score": 88.0, "reasons": ["builds IP phone apps"]}])
    bot.slack.block_action("request_intro", json.dumps({"ask_id": ask_id, "company_id": s.target_id}),
                           user_id=REQUESTER_USER, message={"ts": "1799999999.000200", "text": "", "blocks": []})
    wait_until(lambda: len([c for c in bot.fake.calls_to("chat.postMessage")
                            if "more phone apps" in json.dumps(c.args.get("blocks"), ensure_ascii=False)]) == 1)
    post = [c for c in bot.fake.calls_to("chat.postMessage") if "more phone apps" in json.dumps(c.args.get("blocks"), ensure_ascii=False)][0]
    fields = " ".join(f["text"] for blk in post.args["blocks"] if blk.get("fields") for f in blk["fields"])
    assert "1 of 4 allowed" in fields  # the first introduction is still open; this request is not counted
    assert f"<!date^{int(first.introduced_at.timestamp())}^" in fields
    assert "Desert Phone Apps asks" not in post.args["text"] and "approve?" in post.args["text"]


def test_approved_request_links_the_channel(bot):
    s = seed(bot.engine)
    row = introduce(bot, s)
    update = bot.fake.calls_to("chat.update")[0]
    assert f"<#{row.channel_id}>" in json.dumps(update.args["blocks"], ensure_ascii=False)


def test_view_profiles_opens_both_profiles_for_managers_only(bot):
    s = seed(bot.engine)
    row = request_and_wait(bot, s)
    ref = row.approval_messages[0]
    message = {"ts": ref["ts"], "text": "", "blocks": []}
    assert bot.slack.block_action("intro_view_profiles", str(row.id), user_id=MANAGER, channel_id=ref["channel"],
                                  message=message).status == 200
    view = bot.fake.wait_for("views.open", 1)[0].args["view"]
    view = json.loads(view) if isinstance(view, str) else view
    check_modal(view)
    shown = json.dumps(view, ensure_ascii=False)
    assert "Cactus Comms, Inc." in shown and "Desert Phone Apps" in shown and "IP phone apps" in shown
    bot.slack.block_action("intro_view_profiles", str(row.id), user_id=TARGET_USER, channel_id=ref["channel"],
                           message=message)
    bot.fake.wait_for_response(1)
    assert len(bot.fake.calls_to("views.open")) == 1
    assert "vendor managers" in bot.fake.responses[-1]["text"]


def test_requester_can_add_a_note_the_manager_sees_on_the_request(bot):
    s = seed(bot.engine)
    before = len(bot.fake.responses)
    bot.slack.block_action("request_intro", s.request_value(), user_id=REQUESTER_USER,
                           message={"ts": "1799999999.000100", "text": "", "blocks": []})
    shown = bot.fake.wait_for_response(before + 1)[before]
    note_button = shown["blocks"][0]["accessory"]
    assert note_button["action_id"] == "intro_request_note"
    wait_until(lambda: intro(bot.engine, int(note_button["value"])).approval_messages is not None)
    # Someone else cannot add a note; the requester gets the form.
    bot.slack.block_action("intro_request_note", note_button["value"], user_id=TARGET_USER)
    bot.slack.block_action("intro_request_note", note_button["value"], user_id=REQUESTER_USER)
    view = bot.fake.wait_for("views.open")[0].args["view"]
    bot.fake.settle()
    assert len(bot.fake.calls_to("views.open")) == 1
    check_modal(view)
    values = {"note": {"note": {"type": "plain_text_input", "value": "Customer signs <!channel> Friday"}}}
    assert bot.slack.view_submission("intro_request_note_submit", values, user_id=TARGET_USER,
                                     private_metadata=view["private_metadata"]).status == 200
    bot.fake.settle()
    assert bot.fake.calls_to("chat.update") == []  # a forged submit by someone else changes nothing
    bot.slack.view_submission("intro_request_note_submit", values, user_id=REQUESTER_USER,
                              private_metadata=view["private_metadata"])
    update = bot.fake.wait_for("chat.update")[0]
    shown = json.dumps(update.args["blocks"], ensure_ascii=False)
    assert f"<@{REQUESTER_USER}>:* Customer signs &lt;!channel&gt; Friday" in shown
    assert "intro_approve" in shown  # still waiting for a decision
