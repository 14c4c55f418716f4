"""End to end: /findpartner's Request intro button reaches a manager for approval."""

from __future__ import annotations

from tests.intro_setup import REQUESTER_USER, add_company, intros, wait_until


def _buttons(blocks):
    for block in blocks or []:
        for element in block.get("elements") or []:
            if element.get("action_id") == "request_intro":
                yield element
        accessory = block.get("accessory") or {}
        if accessory.get("action_id") == "request_intro":
            yield accessory


def test_request_from_a_findpartner_result(bot):
    add_company(bot.engine, "Cactus Comms", [REQUESTER_USER], capabilities=["unified communications installation"],
                regions=["Arizona"])
    target = add_company(bot.engine, "Desert Phone Apps", ["U0TARGET01"],
                         capabilities=["custom IP phone apps", "timecard apps"], regions=["Arizona", "Texas"])
    assert bot.slack.command("/findpartner", "custom IP phone apps", user_id=REQUESTER_USER).status == 200
    wait_until(lambda: any(list(_buttons(r.get("blocks"))) for r in bot.fake.responses))
    result = next(r for r in bot.fake.responses if list(_buttons(r.get("blocks"))))
    button = next(b for b in _buttons(result["blocks"]) if f'"company_id": {target}' in b["value"]
                  or f'"company_id":{target}' in b["value"])
    bot.slack.block_action("request_intro", button["value"], user_id=REQUESTER_USER)
    post = bot.fake.wait_for("chat.postMessage", where=lambda c: c.args["channel"] == "C0APPROVAL")[0]
    assert "Desert Phone Apps" in str(post.args["blocks"])
    wait_until(lambda: len(intros(bot.engine)) == 1)
    assert intros(bot.engine)[0].reasons  # the match reasons came along from the ask
