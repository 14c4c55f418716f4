"""/partnerprofile, the profile modal and the profile buttons, over signed HTTP requests
against the bot and the fake Slack server."""

from __future__ import annotations

import json
from datetime import date

import pytest
from sqlmodel import select

from bot.blocks.limits import check_blocks, check_modal
from models.audit import AuditLog
from models.company import Company, Member, get_company_by_name, get_company_for_user, member_user_ids
from models.db import session_scope
from tests.conftest import MANAGER
from tests.slackrequests import select_value, text_value

OWNER = "U0PARTNER1"
OTHER = "U0OTHERGUY"

GOOD = {
    "company": "Sonoran Unified Communications",
    "partner_type": "Installer",
    "capabilities": "unified communications installation\nIP phone systems;UNIFIED communications  installation",
    "industries": "restaurants\nhospitality",
    "regions": "Arizona;Phoenix",
    "certifications": "Cisco Gold Certified",
    "description": "We install UC systems for multi-site businesses.",
    "capacity": "open",
    "website": "https://sonoran-uc.example",
}


def state(**over: str | None) -> dict:
    values = {**GOOD, **over}
    out = {}
    for block_id, value in values.items():
        out[block_id] = {"value": select_value(value) if block_id in ("partner_type", "capacity") else text_value(value)}
    return out


def submit(bot, *, user_id=OWNER, company_id=None, **over):
    return bot.slack.view_submission("profile_modal", state(**over), user_id=user_id,
                                     private_metadata=json.dumps({"company_id": company_id}))


def last_response(bot, count: int) -> dict:
    return bot.fake.wait_for_response(count)[count - 1]


def company_named(bot, name: str) -> Company | None:
    with session_scope(bot.engine) as session:
        return get_company_by_name(session, name=name)


def create_profile(bot, *, user_id=OWNER, **over) -> Company:
    reply = submit(bot, user_id=user_id, **over)
    assert reply.status == 200 and reply.json()["response_action"] == "update", reply.text
    return company_named(bot, over.get("company", GOOD["company"]))


def test_command_opens_empty_modal_then_submit_creates_profile(bot):
    reply = bot.slack.command("/partnerprofile", "", user_id=OWNER)
    assert reply.status == 200
    (call,) = bot.fake.wait_for("views.open")
    view = call.args["view"]
    check_modal(view)
    assert view["callback_id"] == "profile_modal"
    assert json.loads(view["private_metadata"]) == {"company_id": None}
    assert call.args["trigger_id"].startswith("trig.")

    reply = submit(bot)
    body = reply.json()
    assert body["response_action"] == "update"
    check_modal(body["view"])
    assert "Profile created" in json.dumps(body["view"])
    with session_scope(bot.engine) as session:
        company = get_company_for_user(session, slack_user_id=OWNER)
        assert company.name == GOOD["company"]
        assert company.capabilities == ["unified communications installation", "IP phone systems"]
        assert company.regions == ["Arizona", "Phoenix"]
        assert company.website == GOOD["website"]
        assert member_user_ids(session, company_id=company.id) == [OWNER]
        actions = [a.action for a in session.exec(select(AuditLog).where(AuditLog.entity_id == company.id))]
        assert actions == ["profile.create"]


def test_form_that_slack_cannot_open_is_explained(bot):
    bot.fake.inject("views.open", error="expired_trigger_id")
    bot.slack.command("/partnerprofile", "", user_id=OWNER)
    assert "could not open the profile form" in last_response(bot, 1)["text"]


@pytest.mark.parametrize(("block_id", "value", "fragment"), [
    ("company", "", "required"),
    ("company", "x" * 81, "at most 80"),
    ("partner_type", "Wizard", "from the list"),
    ("capabilities", ";".join(f"cap {i}" for i in range(21)), "at most 20"),
    ("industries", "y" * 81, "each item"),
    ("regions", "r" * 81, "each item"),
    ("certifications", ";".join(f"c{i}" for i in range(21)), "at most 20"),
    ("description", "d" * 1501, "at most 1500"),
    ("capacity", "busy", "one of"),
    ("website", "sonoran-uc.example", "http"),
])
def test_invalid_field_gets_inline_error_and_nothing_is_saved(bot, block_id, value, fragment):
    reply = submit(bot, **{block_id: value})
    body = reply.json()
    assert body["response_action"] == "errors"
    assert list(body["errors"]) == [block_id]
    assert fragment in body["errors"][block_id]
    with session_scope(bot.engine) as session:
        assert session.exec(select(Company)).first() is None


def test_edit_opens_prefilled_modal_and_saves_changes(bot):
    company = create_profile(bot)
    bot.clock.advance(days=1)
    bot.slack.command("/partnerprofile", "edit", user_id=OWNER)
    view = bot.fake.wait_for("views.open")[0].args["view"]
    assert json.loads(view["private_metadata"]) == {"company_id": company.id}
    blocks = {b.get("block_id"): b for b in view["blocks"]}
    assert blocks["company"]["element"]["initial_value"] == GOOD["company"]
    assert blocks["capacity"]["element"]["initial_option"]["value"] == "open"

    body = submit(bot, company_id=company.id, capacity="limited", regions="Arizona\nNew Mexico").json()
    assert body["response_action"] == "update"
    assert "changed: regions served, capacity" in json.dumps(body["view"])
    updated = company_named(bot, GOOD["company"])
    assert updated.capacity == "limited" and updated.regions == ["Arizona", "New Mexico"]
    assert updated.updated_at > company.updated_at

    # The same values again change nothing, not even updated_at.
    bot.clock.advance(days=1)
    body = submit(bot, company_id=company.id, capacity="limited", regions="Arizona\nNew Mexico").json()
    assert "Nothing changed" in json.dumps(body["view"])
    assert company_named(bot, GOOD["company"]).updated_at == updated.updated_at


def test_name_taken_by_another_company_is_an_inline_error(bot):
    create_profile(bot, user_id=OWNER)
    body = submit(bot, user_id=OTHER, company=" sonoran  UNIFIED communications").json()
    assert body["response_action"] == "errors"
    assert "already a partner profile" in body["errors"]["company"]
    # Renaming one's own company to its own name in another case is fine.
    company = company_named(bot, GOOD["company"])
    body = submit(bot, company_id=company.id, company="SONORAN Unified Communications").json()
    assert body["response_action"] == "update"


def test_non_owner_cannot_edit_but_a_manager_can(bot):
    company = create_profile(bot)
    body = submit(bot, user_id=OTHER, company_id=company.id, description="hijacked").json()
    assert body["response_action"] == "errors"
    assert "own members or a vendor manager" in body["errors"]["company"]
    assert company_named(bot, GOOD["company"]).description == GOOD["description"]

    bot.slack.command("/partnerprofile", f"edit {GOOD['company']}", user_id=OTHER)
    assert "own members or a vendor manager" in last_response(bot, 1)["text"]
    assert bot.fake.calls_to("views.open") == []

    bot.slack.command("/partnerprofile", "edit sonoran unified communications", user_id=MANAGER)
    view = bot.fake.wait_for("views.open")[0].args["view"]
    assert json.loads(view["private_metadata"]) == {"company_id": company.id}
    body = submit(bot, user_id=MANAGER, company_id=company.id, description="Edited by the vendor").json()
    assert body["response_action"] == "update"
    with session_scope(bot.engine) as session:
        assert get_company_by_name(session, name=GOOD["company"]).description == "Edited by the vendor"
        assert member_user_ids(session, company_id=company.id) == [OWNER]  # the manager did not join
        entry = session.exec(select(AuditLog).where(AuditLog.action == "profile.update")).one()
        assert entry.actor == MANAGER and entry.detail == {"fields": ["description"]}


def test_show_escapes_mentions_and_links(bot):
    create_profile(bot, description="Ping <!channel> and <@U123>, see <https://x|y>",
                   capabilities="<!here> installs")
    bot.slack.command("/partnerprofile", "show", user_id=OWNER)
    response = last_response(bot, 1)
    check_blocks(response["blocks"])
    text = json.dumps(response["blocks"])
    assert "Ping &lt;!channel&gt; and &lt;@U123&gt;, see &lt;https://x|y&gt;" in text
    assert "&lt;!here&gt; installs" in text
    for raw in ("<!channel>", "<@U123>", "<https://x|y>", "<!here>"):
        assert raw not in text
    assert response["response_type"] == "ephemeral"
    # anyone can look up a profile by name
    bot.slack.command("/partnerprofile", "show Sonoran Unified Communications", user_id=OTHER)
    assert "Sonoran Unified Communications" in json.dumps(last_response(bot, 2)["blocks"])


def test_show_without_profile_and_unknown_subcommand(bot):
    bot.slack.command("/partnerprofile", "show", user_id=OTHER)
    assert "no partner profile yet" in last_response(bot, 1)["text"]
    bot.slack.command("/partnerprofile", "frobnicate <!channel>", user_id=OTHER)
    response = last_response(bot, 2)
    text = json.dumps(response["blocks"])
    assert "I don't know `frobnicate`" in text and "pause [until YYYY-MM-DD]" in text
    bot.slack.command("/partnerprofile", "help", user_id=OTHER)
    assert "I don't know" not in json.dumps(last_response(bot, 3)["blocks"])


def test_pause_until_date_resumes_by_itself_and_resume(bot):
    create_profile(bot)
    bot.slack.command("/partnerprofile", "pause until 2026-12-01", user_id=OWNER)
    assert "paused until 2026-12-01" in last_response(bot, 1)["text"]
    company = company_named(bot, GOOD["company"])
    assert company.paused and company.paused_until == date(2026, 12, 1)

    bot.slack.command("/partnerprofile", "show", user_id=OWNER)
    assert "Paused until 2026-12-01" in json.dumps(last_response(bot, 2)["blocks"])
    bot.clock.set(bot.clock.now().replace(year=2026, month=12, day=1))
    bot.slack.command("/partnerprofile", "show", user_id=OWNER)
    assert "Active" in json.dumps(last_response(bot, 3)["blocks"])

    bot.slack.command("/partnerprofile", "pause", user_id=OWNER)
    assert "until you type `/partnerprofile resume`" in last_response(bot, 4)["text"]
    company = company_named(bot, GOOD["company"])
    assert company.paused and company.paused_until is None
    bot.slack.command("/partnerprofile", "resume", user_id=OWNER)
    assert "active again" in last_response(bot, 5)["text"]
    assert not company_named(bot, GOOD["company"]).paused
    bot.slack.command("/partnerprofile", "resume", user_id=OWNER)
    assert "not paused" in last_response(bot, 6)["text"]
    bot.slack.command("/partnerprofile", "pause 2027-01-15", user_id=OWNER)
    assert company_named(bot, GOOD["company"]).paused_until == date(2027, 1, 15)


@pytest.mark.parametrize(("args", "fragment"), [
    ("pause until 2026-11-01", "not in the future"),
    ("pause until someday", "not a date"),
    ("pause 2026-13-45", "not a real date"),
])
def test_pause_with_a_bad_date_is_a_clear_error(bot, args, fragment):
    create_profile(bot)
    bot.slack.command("/partnerprofile", args, user_id=OWNER)
    assert fragment in last_response(bot, 1)["text"]
    assert not company_named(bot, GOOD["company"]).paused


def test_delete_asks_then_cancel_keeps_the_profile(bot):
    company = create_profile(bot)
    bot.slack.command("/partnerprofile", "delete", user_id=OWNER)
    response = last_response(bot, 1)
    check_blocks(response["blocks"])
    buttons = response["blocks"][-1]["elements"]
    assert [b["action_id"] for b in buttons] == ["profile_delete_confirm", "profile_delete_cancel"]
    assert company_named(bot, GOOD["company"]) is not None  # asking deletes nothing

    bot.slack.block_action("profile_delete_cancel", str(company.id), user_id=OWNER)
    response = last_response(bot, 2)
    assert response["replace_original"] is True and "not deleted" in response["text"]
    assert company_named(bot, GOOD["company"]) is not None


def test_delete_confirmed_removes_personal_data_and_keeps_history(bot):
    company = create_profile(bot)
    bot.slack.command("/partnerprofile", "pause", user_id=OWNER)
    last_response(bot, 1)
    bot.slack.command("/partnerprofile", "delete", user_id=OWNER)
    last_response(bot, 2)

    # a stranger's click does nothing
    bot.slack.block_action("profile_delete_confirm", str(company.id), user_id=OTHER)
    assert "own members or a vendor manager" in last_response(bot, 3)["text"]
    assert company_named(bot, GOOD["company"]) is not None

    bot.slack.block_action("profile_delete_confirm", str(company.id), user_id=OWNER)
    assert "is deleted" in last_response(bot, 4)["text"]
    with session_scope(bot.engine) as session:
        row = session.get(Company, company.id)
        assert row.deleted_at is not None
        assert row.name == GOOD["company"]  # the business record stays
        assert (row.description, row.website, row.capabilities, row.regions) == ("", None, [], [])
        assert session.exec(select(Member)).all() == []
        assert get_company_for_user(session, slack_user_id=OWNER) is None
        actors = {a.actor for a in session.exec(select(AuditLog))}
        assert OWNER not in actors and "deleted-user" in actors
        assert "profile.delete" in {a.action for a in session.exec(select(AuditLog))}

    # a second click (double click / retry) reports it is gone and changes nothing
    bot.slack.block_action("profile_delete_confirm", str(company.id), user_id=OWNER)
    assert "already deleted" in last_response(bot, 5)["text"]
    # the name is free again
    assert submit(bot, user_id=OTHER).json()["response_action"] == "update"


def test_app_home_edit_button_opens_the_modal_and_nudge_pause(bot):
    company = create_profile(bot)
    home = {"id": "V0HOME0001", "type": "home"}
    bot.slack.block_action("profile_edit", "", user_id=OWNER, view=home)
    view = bot.fake.wait_for("views.open")[0].args["view"]
    meta = json.loads(view["private_metadata"])
    assert meta == {"company_id": company.id, "home": True}
    # saving a form opened from the App Home publishes the home again, with the new profile
    body = submit(bot, company_id=company.id, capacity="full").json()
    assert body["response_action"] == "update"
    bot.slack.view_submission("profile_modal", state(capacity="limited"), user_id=OWNER,
                              private_metadata=json.dumps(meta))
    (publish,) = bot.fake.wait_for("views.publish")
    assert publish.args["user_id"] == OWNER and publish.args["view"]["type"] == "home"
    assert "Limited capacity" in json.dumps(publish.args["view"])

    bot.slack.block_action("profile_refresh", str(company.id), user_id=OWNER)
    assert len(bot.fake.wait_for("views.open", 2)) == 2

    bot.slack.block_action("profile_edit", str(company.id), user_id=OTHER, view=home)
    dm = bot.fake.wait_for("chat.postMessage")[0]
    assert dm.args["channel"] == OTHER and "own members" in dm.args["text"]

    bot.slack.block_action("profile_pause", str(company.id), user_id=OWNER)
    assert "is paused" in last_response(bot, 1)["text"]
    assert company_named(bot, GOOD["company"]).paused



def test_create_edit_pause_delete_on_every_database(bot_any_db):
    bot = bot_any_db
    company = create_profile(bot)
    body = submit(bot, company_id=company.id, certifications="Cisco Gold Certified\nAvaya Platinum").json()
    assert body["response_action"] == "update"
    bot.slack.command("/partnerprofile", "pause until 2027-01-15", user_id=OWNER)
    assert "2027-01-15" in last_response(bot, 1)["text"]
    bot.slack.command("/partnerprofile", "delete", user_id=OWNER)
    last_response(bot, 2)
    bot.slack.block_action("profile_delete_confirm", str(company.id), user_id=OWNER)
    assert "is deleted" in last_response(bot, 3)["text"]
    with session_scope(bot.engine) as session:
        row = session.get(Company, company.id)
        assert row.deleted_at is not None and row.certifications == [] and not row.paused
        assert session.exec(select(Member)).all() == []
        actions = [a.action for a in session.exec(select(AuditLog).order_by(AuditLog.id))]
        assert actions == ["profile.create", "profile.update", "profile.pause", "profile.delete"]


def test_simultaneous_creates_of_one_name_make_one_profile(bot_any_db):
    from concurrent.futures import ThreadPoolExecutor

    bot = bot_any_db
    users = [f"U0RACE{i:04d}" for i in range(6)]
    with ThreadPoolExecutor(max_workers=len(users)) as pool:
        bodies = list(pool.map(lambda u: submit(bot, user_id=u).json(), users))
    actions = sorted(b["response_action"] for b in bodies)
    assert actions == ["errors"] * 5 + ["update"]
    for body in bodies:
        if body["response_action"] == "errors":
            assert "already a partner profile" in body["errors"]["company"]
    with session_scope(bot.engine) as session:
        (company,) = session.exec(select(Company)).all()
        assert len(member_user_ids(session, company_id=company.id)) == 1
