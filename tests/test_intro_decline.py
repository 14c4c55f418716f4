"""Decline (with a reason, told politely) and Not a fit (closes the introduction)."""

from __future__ import annotations

from models.introduction import IntroState
from tests.conftest import MANAGER, MANAGER2
from tests.intro_setup import (REQUESTER_USER, TARGET_USER, approve, audit_actions, intro, introduce, outcomes,
                               request_and_wait, seed, wait_until)
from tests.slackrequests import text_value


def _decline_click(bot, row, user=MANAGER):
    ref = row.approval_messages[0]
    return bot.slack.block_action("intro_decline", str(row.id), user_id=user, channel_id=ref["channel"],
                                  message={"ts": ref["ts"], "text": "", "blocks": []})


def test_decline_asks_a_reason_and_tells_the_requester(bot_any_db):
    bot = bot_any_db
    s = seed(bot.engine)
    row = request_and_wait(bot, s)
    assert _decline_click(bot, row).status == 200
    opened = bot.fake.wait_for("views.open")[0].args["view"]
    assert opened["callback_id"] == "intro_decline_reason" and opened["private_metadata"] == str(row.id)

    empty = bot.slack.view_submission("intro_decline_reason", {"reason": {"reason": text_value("  ")}},
                                      user_id=MANAGER, private_metadata=str(row.id))
    assert empty.json()["response_action"] == "errors"
    assert intro(bot.engine, row.id).state == IntroState.REQUESTED

    reply = bot.slack.view_submission("intro_decline_reason",
                                      {"reason": {"reason": text_value("They already work together.")}},
                                      user_id=MANAGER, private_metadata=str(row.id))
    assert reply.status == 200
    dm = bot.fake.wait_for("chat.postMessage", where=lambda c: c.args["channel"] == REQUESTER_USER)[0]
    assert "Desert Phone Apps" in dm.args["text"] and "They already work together." in dm.args["text"]
    assert "Thank you" in dm.args["text"]
    update = bot.fake.wait_for("chat.update")[0]
    assert update.args["ts"] == row.approval_messages[0]["ts"]
    assert "Declined" in str(update.args["blocks"]) and "They already work together." in str(update.args["blocks"])
    assert "intro_decline" not in str(update.args["blocks"])

    row = intro(bot.engine, row.id)
    assert row.state == IntroState.DECLINED and row.decided_by == MANAGER
    assert row.decline_reason == "They already work together."
    assert audit_actions(bot.engine, row.id) == ["intro_requested", "intro_declined"]

    # Deciding again changes nothing: Approve is told it was declined, no channel is made.
    approve(bot, row, user=MANAGER2)
    replies = bot.fake.wait_for_response(2)
    assert "declined" in replies[-1]["text"]
    bot.fake.settle()
    assert bot.fake.calls_to("conversations.create") == []


def test_non_manager_cannot_submit_a_decline(bot):
    s = seed(bot.engine)
    row = request_and_wait(bot, s)
    reply = bot.slack.view_submission("intro_decline_reason", {"reason": {"reason": text_value("no")}},
                                      user_id=TARGET_USER, private_metadata=str(row.id))
    assert reply.json()["response_action"] == "errors"
    assert intro(bot.engine, row.id).state == IntroState.REQUESTED


def test_decline_of_an_approved_request_opens_no_modal(bot):
    s = seed(bot.engine)
    row = request_and_wait(bot, s)
    approve(bot, row, user=MANAGER)
    wait_until(lambda: intro(bot.engine, row.id).state == IntroState.INTRODUCED)
    _decline_click(bot, row, user=MANAGER2)
    bot.fake.settle()
    replies = bot.fake.wait_for_response(3)
    assert any(r["text"].startswith("This request was approved") for r in replies)
    assert bot.fake.calls_to("views.open") == []


def _not_a_fit_dm(bot, user):
    """The introduction DM `user` got, with its buttons."""
    dms = [c for c in bot.fake.calls_to("chat.postMessage") if c.args["channel"] == user and c.args.get("blocks")
           and "intro_not_a_fit" in str(c.args["blocks"]) or (c.args["channel"] == user and "introduced to" in
                                                               c.args.get("text", ""))]
    return dms[-1]


def _submit_not_a_fit(bot, row, *, user, reason="capacity", note="Booked until May"):
    values = {"not_a_fit_reason": {"not_a_fit_reason": {"type": "static_select",
                                                        "selected_option": {"value": reason}}},
              "not_a_fit_note": {"not_a_fit_note": {"type": "plain_text_input", "value": note}}}
    return bot.slack.view_submission("intro_not_a_fit_reason", values, user_id=user, private_metadata=str(row.id))


def test_not_a_fit_is_offered_to_the_introduced_partner_only(bot):
    s = seed(bot.engine)
    introduce(bot, s)
    requester_dm, target_dm = _not_a_fit_dm(bot, REQUESTER_USER), _not_a_fit_dm(bot, TARGET_USER)
    assert "intro_not_a_fit" not in str(requester_dm.args["blocks"])
    assert "intro_not_a_fit" in str(target_dm.args["blocks"])
    channel_posts = [c for c in bot.fake.calls_to("chat.postMessage") if c.args["channel"].startswith("C")
                     and c.args["channel"] != "C0APPROVAL"]
    assert channel_posts and all("intro_not_a_fit" not in str(c.args.get("blocks")) for c in channel_posts)


def test_not_a_fit_asks_to_confirm_with_a_reason_then_closes_and_tells_the_requester(bot):
    s = seed(bot.engine)
    row = introduce(bot, s)
    msg = {"ts": row.intro_message_ts, "text": "", "blocks": []}
    # The requester cannot say it for the introduced partner: no confirmation opens for them.
    bot.slack.block_action("intro_not_a_fit", str(row.id), user_id=REQUESTER_USER, channel_id=row.channel_id,
                           message=msg)
    refused = bot.fake.wait_for_response(3)[-1]
    assert "Only Desert Phone Apps can" in refused["text"]
    bot.fake.settle()
    assert bot.fake.calls_to("views.open") == []
    # A submit forged for the requester changes nothing either.
    _submit_not_a_fit(bot, row, user=REQUESTER_USER)
    bot.fake.settle()
    assert intro(bot.engine, row.id).state == IntroState.INTRODUCED

    # The introduced partner's click asks first: a reason is required.
    bot.slack.block_action("intro_not_a_fit", str(row.id), user_id=TARGET_USER, channel_id=TARGET_USER, message=msg)
    view = bot.fake.wait_for("views.open", 1)[0].args["view"]
    assert view["callback_id"] == "intro_not_a_fit_reason" and "Cactus Comms" in str(view["blocks"])
    assert intro(bot.engine, row.id).state == IntroState.INTRODUCED
    no_reason = bot.slack.view_submission("intro_not_a_fit_reason", {}, user_id=TARGET_USER,
                                          private_metadata=str(row.id))
    assert no_reason.json()["response_action"] == "errors"
    assert intro(bot.engine, row.id).state == IntroState.INTRODUCED

    before = len(bot.fake.calls_to("chat.postMessage"))
    assert _submit_not_a_fit(bot, row, user=TARGET_USER).status == 200
    told = bot.fake.wait_for("chat.postMessage", before + 2)[before:]
    to_requester = [c for c in told if c.args["channel"] == REQUESTER_USER][0]
    assert "not a fit" in to_requester.args["text"]
    assert "No capacity right now — Booked until May" in to_requester.args["text"]
    update = bot.fake.wait_for("chat.update", 2)[-1]
    assert update.args["channel"] == row.channel_id and update.args["ts"] == row.intro_message_ts
    assert "not a fit" in str(update.args["blocks"])
    row = intro(bot.engine, row.id)
    assert row.state == IntroState.NOT_A_FIT and row.closed_by == TARGET_USER and row.closed_at
    assert [(o.company_id, o.outcome) for o in outcomes(bot.engine)] == [(s.target_id, "no_fit")]
    assert audit_actions(bot.engine, row.id)[-1] == "intro_not_a_fit"

    # A second click changes nothing.
    bot.slack.block_action("intro_not_a_fit", str(row.id), user_id=TARGET_USER, channel_id=row.channel_id,
                           message=msg)
    again = bot.fake.wait_for_response(4)[-1]
    assert "not a fit" in again["text"]
    bot.fake.settle()
    assert len(bot.fake.calls_to("views.open")) == 1
    assert len([c for c in bot.fake.calls_to("chat.postMessage") if c.args["channel"] == REQUESTER_USER
                and "has said your introduction is not a fit" in c.args.get("text", "")]) == 1


def test_decline_from_app_home_refreshes_it(bot):
    s = seed(bot.engine)
    row = request_and_wait(bot, s)
    bot.slack.block_action("intro_decline", str(row.id), user_id=MANAGER2, view={"id": "VH", "type": "home"})
    view = bot.fake.wait_for("views.open")[0].args["view"]
    assert view["private_metadata"] == f"{row.id}:home"
    bot.slack.view_submission("intro_decline_reason", {"reason": {"reason": text_value("Not now")}},
                              user_id=MANAGER2, private_metadata=view["private_metadata"])
    home = bot.fake.wait_for("views.publish")
    assert home[0].args["user_id"] == MANAGER2
    assert intro(bot.engine, row.id).state == IntroState.DECLINED
