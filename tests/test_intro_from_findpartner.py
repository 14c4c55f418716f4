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
    before = len(bot.fake.responses)
    bot.slack.block_action("request_intro", button["value"], user_id=REQUESTER_USER,
                           message={"ts": "1800000000.000100", "text": "", "blocks": []})
    post = bot.fake.wait_for("chat.postMessage", where=lambda c: c.args["channel"] == "C0APPROVAL")[0]
    assert "Desert Phone Apps" in str(post.args["blocks"])
    wait_until(lambda: len(intros(bot.engine)) == 1)
    assert intros(bot.engine)[0].reasons  # the match reasons came along from the ask
    # The results come back in place, that partner's button now saying what happened.
    shown = bot.fake.wait_for_response(before + 1)[before]
    assert shown["replace_original"] is True and "waiting for a vendor manager" in shown["text"]
    states = [e for blk in shown["blocks"] if blk["type"] == "actions" for e in blk["elements"]
              if f'"company_id": {target}' in e["value"] and e["action_id"] != "view_partner_profile"]
    assert [(e["action_id"], e["text"]["text"]) for e in states] == [
        ("request_intro_done", "✓ Requested — waiting for approval")]
    assert "primary" not in str(shown["blocks"])  # nothing left to push: no primary button


def test_view_profile_shows_a_partner_from_the_askers_own_results(bot):
    add_company(bot.engine, "Cactus Comms", [REQUESTER_USER], capabilities=["unified communications installation"])
    target = add_company(bot.engine, "Desert Phone Apps", ["U0TARGET01"], capabilities=["custom IP phone apps"],
                         description="Dallas-based phone app builders")
    bot.slack.command("/findpartner", "custom IP phone apps", user_id=REQUESTER_USER)
    wait_until(lambda: any(list(_buttons(r.get("blocks"))) for r in bot.fake.responses))
    result = next(r for r in bot.fake.responses if list(_buttons(r.get("blocks"))))
    value = next(e["value"] for blk in result["blocks"] if blk["type"] == "actions" for e in blk["elements"]
                 if e["action_id"] == "view_partner_profile" and f"{target}" in e["value"])
    bot.slack.block_action("view_partner_profile", value, user_id=REQUESTER_USER, message={"ts": "1.0", "blocks": []})
    view = bot.fake.wait_for("views.open")[0].args["view"]
    assert "Dallas-based phone app builders" in str(view)
    bot.slack.block_action("view_partner_profile", value, user_id="U0SOMEONE1", message={"ts": "1.0", "blocks": []})
    bot.fake.settle()
    assert len(bot.fake.calls_to("views.open")) == 1  # someone else's results: nothing opens
