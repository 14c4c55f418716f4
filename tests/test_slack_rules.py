"""The fake Slack refuses what Slack refuses: each rule of tests/slack_rules.py refuses a bad
payload and accepts a good one, and the fake answers over HTTP as Slack does."""

from __future__ import annotations

import copy
import json
import time
import urllib.request

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from tests import slack_rules as R


def plain(text: str) -> dict:
    return {"type": "plain_text", "text": text}


def mrkdwn(text: str) -> dict:
    return {"type": "mrkdwn", "text": text}


def section(text: str = "hello", **kw) -> dict:
    return {"type": "section", "text": mrkdwn(text), **kw}


def button(action_id: str = "go", text: str = "Go", value: str = "1", **kw) -> dict:
    return {"type": "button", "action_id": action_id, "text": plain(text), "value": value, **kw}


def actions(*elements: dict, block_id: str | None = None) -> dict:
    block = {"type": "actions", "elements": list(elements)}
    if block_id:
        block["block_id"] = block_id
    return block


def option(text: str = "One", value: str = "1") -> dict:
    return {"text": plain(text), "value": value}


def select(options: list[dict], **kw) -> dict:
    return {"type": "static_select", "action_id": "pick", "placeholder": plain("Choose"), "options": options, **kw}


def text_input(**kw) -> dict:
    return {"type": "input", "block_id": "in", "label": plain("Label"),
            "element": {"type": "plain_text_input", "action_id": "v", **kw}}


def modal(blocks: list[dict], **kw) -> dict:
    view = {"type": "modal", "title": plain("Title"), "submit": plain("Save"), "close": plain("Cancel"),
            "blocks": blocks}
    view.update(kw)
    return view


def refused(blocks: list[dict]) -> str:
    """The one rule break a blocks array has (asserts there is one)."""
    found = R.check_blocks(blocks)
    assert found, f"expected a rule break in {json.dumps(blocks)[:200]}"
    return " | ".join(found)


def accepted(blocks: list[dict]) -> None:
    assert R.check_blocks(blocks) == []


# -- each rule: a payload at the limit passes, one past it is refused ----------------------
@pytest.mark.parametrize(("good", "bad", "says"), [
    # action_id unique within a block (issue 11: the follow-up's three buttons)
    (actions(button("a"), button("b")), actions(button("a"), button("a")), "already used in this block"),
    # at most 25 elements in an actions block
    (actions(*[button(f"b{i}") for i in range(25)]), actions(*[button(f"b{i}") for i in range(26)]),
     "no more than 25 items"),
    # at most 10 context elements
    ({"type": "context", "elements": [mrkdwn("x")] * 10}, {"type": "context", "elements": [mrkdwn("x")] * 11},
     "no more than 10 items"),
    # at most 10 section fields, each at most 2,000 characters
    ({"type": "section", "fields": [mrkdwn("x")] * 10}, {"type": "section", "fields": [mrkdwn("x")] * 11},
     "no more than 10 items"),
    ({"type": "section", "fields": [mrkdwn("x" * 2000)]}, {"type": "section", "fields": [mrkdwn("x" * 2001)]},
     "less than 2001 characters"),
    # section text at most 3,000 characters, and not empty
    (section("x" * 3000), section("x" * 3001), "less than 3001 characters"),
    (section("x"), section(""), "more than 0 characters"),
    ({"type": "section", "fields": [mrkdwn("x")]}, {"type": "section"}, "must provide text or fields"),
    # header: plain_text, at most 150 characters
    ({"type": "header", "text": plain("x" * 150)}, {"type": "header", "text": plain("x" * 151)},
     "less than 151 characters"),
    ({"type": "header", "text": plain("x")}, {"type": "header", "text": mrkdwn("x")}, "must be plain_text"),
    # button text at most 75 (plain_text), action_id at most 255, value at most 2,000, style known
    (actions(button(text="x" * 75)), actions(button(text="x" * 76)), "less than 76 characters"),
    (actions(button(action_id="a" * 255)), actions(button(action_id="a" * 256)), "less than 256 characters"),
    (actions(button(value="v" * 2000)), actions(button(value="v" * 2001)), "less than 2001 characters"),
    (actions(button(style="danger")), actions(button(style="warning")), "primary, danger"),
    (actions(button()), actions({**button(), "text": mrkdwn("Go")}), "must be plain_text"),
    # options: text at most 75, value at most 150, at most 100 per select, initial_option one of them
    (actions(select([option("x" * 75)])), actions(select([option("x" * 76)])), "less than 76 characters"),
    (actions(select([option(value="v" * 150)])), actions(select([option(value="v" * 151)])),
     "less than 151 characters"),
    (actions(select([option(value=str(i)) for i in range(100)])),
     actions(select([option(value=str(i)) for i in range(101)])), "no more than 100 items"),
    (actions(select([option()], initial_option=option())), actions(select([option()], initial_option=option("Two"))),
     "exactly match one of the provided options"),
    # overflow menus hold at most 5 options
    (actions({"type": "overflow", "action_id": "o", "options": [option(value=str(i)) for i in range(5)]}),
     actions({"type": "overflow", "action_id": "o", "options": [option(value=str(i)) for i in range(6)]}),
     "no more than 5 items"),
    # placeholder at most 150
    (actions(select([option()], placeholder=plain("x" * 150))), actions(select([option()], placeholder=plain("x" * 151))),
     "less than 151 characters"),
    # plain_text_input: initial_value within max_length, max_length at most 3,000
    (text_input(max_length=10, initial_value="x" * 10), text_input(max_length=10, initial_value="x" * 11),
     "less than 11 characters"),
    (text_input(max_length=3000), text_input(max_length=3001), "between 1 and 3000"),
    # input label at most 2,000, plain_text
    ({**text_input(), "label": plain("x" * 2000)}, {**text_input(), "label": plain("x" * 2001)},
     "less than 2001 characters"),
    # block_id at most 255
    (section(block_id="b" * 255), section(block_id="b" * 256), "less than 256 characters"),
    # unknown block types are refused
    ({"type": "divider"}, {"type": "table_of_contents"}, "unsupported block type"),
])
def test_each_block_rule_accepts_the_limit_and_refuses_past_it(good, bad, says):
    accepted([good])
    assert says in refused([bad])


def test_block_ids_are_unique_within_a_message():
    accepted([section(block_id="a"), section(block_id="b")])
    assert "duplicate block_id 'a'" in refused([section(block_id="a"), section(block_id="a")])


def test_action_ids_may_repeat_across_blocks():
    """The rule is per block: the same action_id in two blocks is what Slack accepts."""
    accepted([actions(button("go"), block_id="one"), actions(button("go"), block_id="two")])


def test_a_message_holds_at_most_50_blocks_and_a_view_100():
    accepted([section()] * 50)
    assert "no more than 50 items [json-pointer:/blocks]" in refused([section()] * 51)
    assert R.check_view(modal([section()] * 100)) == []
    assert any("no more than 100 items" in m for m in R.check_view(modal([section()] * 101)))
    home = {"type": "home", "blocks": [section()] * 100}
    assert R.check_view(home, method="views.publish") == []
    assert R.check_view({**home, "blocks": [section()] * 101}, method="views.publish")


def test_the_pointer_names_the_broken_field():
    found = R.check_blocks([section(), actions(button("a"), button("a"))])
    assert found == ["action_id 'a' is already used in this block [json-pointer:/blocks/1/elements/1/action_id]"]


# -- views ---------------------------------------------------------------------------------
@pytest.mark.parametrize(("good", "bad", "says"), [
    (modal([section()], title=plain("x" * 24)), modal([section()], title=plain("x" * 25)), "/view/title/text"),
    (modal([section()]), {k: v for k, v in modal([section()]).items() if k != "title"}, "/view/title"),
    (modal([section()], submit=plain("x" * 24)), modal([section()], submit=plain("x" * 25)), "/view/submit/text"),
    (modal([section()], close=plain("x" * 24)), modal([section()], close=plain("x" * 25)), "/view/close/text"),
    (modal([text_input()]), {k: v for k, v in modal([text_input()]).items() if k != "submit"},
     "submit is required when an input block"),
    (modal([section()], private_metadata="m" * 3000), modal([section()], private_metadata="m" * 3001),
     "/view/private_metadata"),
    (modal([section()], callback_id="c" * 255), modal([section()], callback_id="c" * 256), "/view/callback_id"),
    (modal([section(block_id="a"), section(block_id="b")]), modal([section(block_id="a"), section(block_id="a")]),
     "duplicate block_id"),
    (modal([section()]), {**modal([section()]), "type": "home"}, "must be modal"),
])
def test_each_view_rule(good, bad, says):
    assert R.check_view(good) == []
    found = R.check_view(bad)
    assert any(says in m for m in found), found


def test_a_view_over_250_kb_is_too_large():
    big = modal([section("x" * 2900)] * 90)  # within every block rule, 261 kB in all
    assert R.check_view(big) == []
    assert R.check_call("views.open", {"trigger_id": "t", "view": big}) == {"ok": False, "error": "view_too_large"}
    assert R.check_call("views.open", {"trigger_id": "t", "view": modal([section("x" * 2900)] * 80)}) is None


def test_a_modal_without_inputs_needs_no_submit():
    view = {k: v for k, v in modal([section()]).items() if k != "submit"}
    assert R.check_view(view) == []


def test_views_are_refused_with_invalid_arguments_and_messages_with_invalid_blocks():
    bad_view = modal([section()], title=plain("x" * 25))
    answer = R.check_call("views.open", {"trigger_id": "t", "view": bad_view})
    assert answer["ok"] is False and answer["error"] == "invalid_arguments"
    assert answer["response_metadata"]["messages"] == [
        "[ERROR] must be less than 25 characters [json-pointer:/view/title/text]"]
    assert R.check_call("views.open", {"trigger_id": "t", "view": modal([section()])}) is None
    assert R.check_call("views.publish", {"view": {"type": "home", "blocks": [section()]}})["error"] == \
        "invalid_arguments"  # no user_id
    for method in ("chat.postMessage", "chat.postEphemeral", "chat.update"):
        answer = R.check_call(method, {"channel": "C1", "text": "t", "blocks": [section("")]})
        assert answer["error"] == "invalid_blocks"
        assert answer["errors"] == ["must be more than 0 characters [json-pointer:/blocks/0/text/text]"]
        assert R.check_call(method, {"channel": "C1", "text": "t", "blocks": [section()]}) is None


def test_text_is_needed_only_without_blocks_and_its_absence_with_blocks_is_a_warning():
    assert R.check_message({"channel": "C1"}) == {"ok": False, "error": "no_text"}
    assert R.check_message({"channel": "C1", "blocks": []}) == {"ok": False, "error": "no_text"}
    assert R.check_message({"channel": "C1", "text": "hi"}) is None
    assert R.check_message({"channel": "C1", "blocks": [section()]}) is None  # Slack accepts it...
    assert R.message_warnings({"channel": "C1", "blocks": [section()]})  # ...but asks for the fallback
    assert R.message_warnings({"channel": "C1", "text": "hi", "blocks": [section()]}) == []
    assert R.check_message({"delete_original": True}) is None


# -- channel names -------------------------------------------------------------------------
@pytest.mark.parametrize(("name", "error"), [
    ("p2p-saguaro-calence", None),
    ("p2p_a-1", None),
    ("x" * 80, None),
    ("x" * 81, "invalid_name_maxlength"),
    ("", "invalid_name_required"),
    ("P2P-Saguaro", "invalid_name_specials"),
    ("p2p saguaro", "invalid_name_specials"),
    ("p2p.saguaro", "invalid_name_specials"),
    ("p2p-café", "invalid_name_specials"),
    ("---", "invalid_name_punctuation"),
])
def test_channel_names(name, error):
    assert R.check_channel_name(name) == error
    answer = R.check_call("conversations.create", {"name": name})
    assert answer == (None if error is None else {"ok": False, "error": error})


def test_topics_are_at_most_250_characters():
    assert R.check_call("conversations.setTopic", {"channel": "C1", "topic": "t" * 250}) is None
    assert R.check_call("conversations.setTopic", {"channel": "C1", "topic": "t" * 251}) == \
        {"ok": False, "error": "too_long"}
    assert R.check_call("conversations.setPurpose", {"channel": "C1", "purpose": "p" * 251})["error"] == "too_long"


# -- over HTTP: the fake answers as Slack does ---------------------------------------------
@pytest.fixture
def client(fake_slack):
    return WebClient(token="xoxb-test", base_url=fake_slack.api_url)


def test_the_fake_refuses_a_message_slack_refuses_and_records_it(fake_slack, client):
    fake_slack.expect_refusals = True
    follow_up = [section("How did it go?"),
                 actions(button("followup_outcome", "Working together"), button("followup_outcome", "Deal won"))]
    with pytest.raises(SlackApiError) as err:
        client.chat_postMessage(channel="D1", text="How did it go?", blocks=follow_up)
    assert err.value.response["error"] == "invalid_blocks"
    assert "already used in this block" in err.value.response["errors"][0]
    assert [r["method"] for r in fake_slack.refusals] == ["chat.postMessage"]
    fixed = [follow_up[0], actions(button("followup_working"), button("followup_won"))]
    assert client.chat_postMessage(channel="D1", text="How did it go?", blocks=fixed)["ok"] is True
    assert len(fake_slack.refusals) == 1


def test_the_fake_refuses_a_bad_view_and_a_bad_channel_name(fake_slack, client):
    fake_slack.expect_refusals = True
    with pytest.raises(SlackApiError) as err:
        client.views_publish(user_id="U1", view={"type": "home", "blocks": [section()] * 101})
    assert err.value.response["error"] == "invalid_arguments"
    assert client.views_publish(user_id="U1", view={"type": "home", "blocks": [section()]})["ok"] is True
    with pytest.raises(SlackApiError) as err:
        client.conversations_create(name="P2P Saguaro")
    assert err.value.response["error"] == "invalid_name_specials"
    assert client.conversations_create(name="p2p-saguaro")["ok"] is True


def test_a_trigger_id_works_once_within_three_seconds(fake_slack, client):
    fake_slack.expect_refusals = True
    view = modal([section()])
    trigger = fake_slack.new_trigger_id()
    assert client.views_open(trigger_id=trigger, view=view)["ok"] is True
    with pytest.raises(SlackApiError) as err:
        client.views_open(trigger_id=trigger, view=view)
    assert err.value.response["error"] == "exchanged_trigger_id"
    with pytest.raises(SlackApiError) as err:
        client.views_open(trigger_id="12345.98765.abcd2358fdea", view=view)  # never issued
    assert err.value.response["error"] == "invalid_trigger_id"
    fake_slack.trigger_ttl = 0.2
    late = fake_slack.new_trigger_id()
    time.sleep(0.3)
    with pytest.raises(SlackApiError) as err:
        client.views_open(trigger_id=late, view=view)
    assert err.value.response["error"] == "expired_trigger_id"
    # A view Slack refuses does not use the trigger up.
    fresh = fake_slack.new_trigger_id()
    fake_slack.trigger_ttl = 3.0
    with pytest.raises(SlackApiError):
        client.views_open(trigger_id=fresh, view=modal([section()], title=plain("x" * 25)))
    assert client.views_open(trigger_id=fresh, view=view)["ok"] is True


def test_the_fake_refuses_a_bad_response_url_post_and_does_not_show_it(fake_slack):
    fake_slack.expect_refusals = True
    url = fake_slack.new_response_url()

    def post(payload: dict) -> dict:
        req = urllib.request.Request(url, data=json.dumps(payload).encode(),
                                     headers={"Content-Type": "application/json"}, method="POST")
        with urllib.request.urlopen(req, timeout=5) as resp:
            return json.loads(resp.read())

    assert post({"text": "t", "blocks": [{"type": "header", "text": plain("x" * 151)}]})["error"] == "invalid_blocks"
    assert fake_slack.responses == []
    assert post({"text": "t", "blocks": [{"type": "header", "text": plain("x" * 150)}]}) == {"ok": True}
    assert len(fake_slack.responses) == 1


def test_a_refusal_nobody_expected_is_reported(fake_slack, client):
    """The fixture fails a test whose bot sent what Slack refuses: rule_problems lists it."""
    with pytest.warns(UserWarning, match="text"):  # the SDK warns too
        client.chat_postMessage(channel="C1", blocks=[section()])  # accepted, but without a fallback text
    problems = fake_slack.rule_problems()
    assert len(problems) == 1 and "missing_text" in problems[0]
    fake_slack.warnings.clear()  # this test made the warning on purpose


def test_good_payloads_stay_unchanged_by_checking():
    blocks = [section(block_id="a"), actions(button("x"), button("y"), block_id="b")]
    before = copy.deepcopy(blocks)
    accepted(blocks)
    assert blocks == before
