"""App Home over HTTP: app_home_opened -> views.publish with profile, asks, introductions,
and for managers the pending approvals (whose buttons work from the Home tab)."""

from __future__ import annotations

import time
from datetime import UTC, date, datetime

from sqlmodel import select

from bot.blocks.home import home_view
from bot.blocks.limits import check_modal
from models import Ask, Company, Introduction
from models.db import session_scope
from tests.conftest import MANAGER
from tests.metrics_data import build_week, t


def open_home(bot, user: str) -> dict:
    bot.fake.reset()
    reply = bot.slack.event({"type": "app_home_opened", "user": user, "tab": "home", "channel": "D0HOME0001"})
    assert reply.status == 200
    (call,) = bot.fake.wait_for("views.publish", where=lambda c: c.args.get("user_id") == user)
    view = call.args["view"]
    check_modal(view)
    return view


def actions(view: dict) -> list[tuple[str, str]]:
    return [(e["action_id"], e.get("value", "")) for b in view["blocks"] if b["type"] == "actions" for e in b["elements"]]


def test_partner_home_shows_profile_asks_and_introductions(bot):
    ids = build_week(bot.engine)
    bot.clock.set(t(11, 9))
    view = open_home(bot, "U0ACME001")
    text = str(view["blocks"])
    assert view["type"] == "home"
    assert "Acme Phones" in text
    assert ("profile_edit", str(ids["A"])) in actions(view)
    assert "IP phone apps; UC installation" in text and "3 matches shown, 2 intro requests" in text
    assert "you asked for *Bravo UC* — :handshake: introduced" in text
    assert "you asked for *Cobalt Apps* — :no_entry_sign: declined" in text
    assert "asked for you: *Bravo UC* — :handshake: introduced" in text  # the July one, Bravo's request
    # A partner sees no approvals and no program figures.
    assert not any(a[0] in ("intro_approve", "intro_decline") for a in actions(view))
    assert "Waiting for approval" not in text and "Program, last 7 days" not in text


def test_user_without_profile_is_offered_one(bot):
    view = open_home(bot, "U0NOBODY01")
    assert ("profile_edit", "") in actions(view)
    assert "No asks yet" in str(view["blocks"])


def test_manager_home_has_pending_approvals_and_figures(bot):
    build_week(bot.engine)
    bot.clock.set(t(11, 9))
    with session_scope(bot.engine) as s:
        pending = s.exec(select(Introduction).where(Introduction.state == "requested")).one()
    view = open_home(bot, MANAGER)
    assert ("intro_approve", str(pending.id)) in actions(view)
    assert ("intro_decline", str(pending.id)) in actions(view)
    text = str(view["blocks"])
    assert "(Cobalt Apps) → *Bravo UC*" in text
    # Approvals first; a manager without a company is not asked to create a profile.
    assert view["blocks"][0]["type"] == "header" and "Waiting for your approval (1)" in str(view["blocks"][0])
    assert ("profile_edit", "") not in actions(view) and "don't have a partner profile" not in text
    assert "*Asks*\\n6" in text and "3 of 5 (60%)" in text


def test_approve_from_the_home_tab_works_as_in_the_channel(bot):
    build_week(bot.engine)
    bot.clock.set(t(11, 9))
    with session_scope(bot.engine) as s:
        pending = s.exec(select(Introduction).where(Introduction.state == "requested")).one()
    view = open_home(bot, MANAGER)
    published = {**view, "id": "V0HOME0001"}
    reply = bot.slack.block_action("intro_approve", str(pending.id), user_id=MANAGER, view=published)
    assert reply.status == 200
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with session_scope(bot.engine) as s:
            state = s.get(Introduction, pending.id).state
        if state != "requested":
            break
        time.sleep(0.1)
    assert state in ("approved", "introduced")


def test_home_view_stays_within_limits_with_long_lists():
    company = Company(id=1, name="<!here> Long & Co", name_key="x", capabilities=["a" * 500] * 20,
                      description="d" * 5000, updated_at=datetime(2026, 1, 1, tzinfo=UTC))
    when = datetime(2026, 11, 1, tzinfo=UTC)
    asks = [{"id": i, "text": "<@U123> " + "x" * 400, "created_at": when, "matches_shown": 1, "unmet": i % 2 == 0,
             "intros": 2} for i in range(8)]
    intros = [{"id": i, "state": s, "created_at": when, "channel_id": "C0CHAN0001", "requested_by_you": i % 2 == 0,
               "other": "Other <!channel>" * 20} for i, s in enumerate(["closed", "introduced", "requested"] * 4)]
    pending = [{"id": i, "created_at": when, "requester_user_id": "U0X", "requester": "R" * 300, "target": "T" * 300,
                "ask": "<!channel> " * 200} for i in range(200)]
    figures = {"asks": 1, "unmet_asks": 0, "intro_requests": 0, "introduced": 0, "deals_won": 0, "deal_value": 0.0,
               "approval_hours_median": None, "active_partners": 1, "total_partners": 2, "participation_rate": 0.5}
    view = home_view(company=company, asks=asks, intros=intros, is_manager=True, pending=pending,
                     pending_total=500, figures=figures, today=date(2026, 11, 9))
    check_modal(view)
    text = str(view["blocks"])
    assert "<!channel>" not in text and "<@U123>" not in text
    assert "more in the approvals channel" in text
    # Open introductions are listed before closed ones (collapsed into one line at the end).
    listed = [str(b) for b in view["blocks"] if "asked for" in str(b)]
    assert "introduced" in listed[0] and "closed" in listed[-1] and "closed" not in listed[0]


def test_partner_home_acts_on_open_introductions_and_asks(bot):
    ids = build_week(bot.engine)
    with session_scope(bot.engine) as s:
        for row in s.exec(select(Introduction).where(Introduction.state == "introduced")).all():
            row.channel_id = f"C0P2P{row.id:04d}"
            s.add(row)
        for row in s.exec(select(Ask).where(Ask.company_id == ids["A"])).all():
            row.asker_user_id = "U0ACME001"  # Acme's own asks (See matches is for one's own)
            s.add(row)
    bot.clock.set(t(11, 9))
    view = open_home(bot, "U0ACME001")
    first = view["blocks"][0]
    assert first["type"] == "actions" and first["elements"][0]["text"]["text"] == "Find a partner"
    assert first["elements"][0].get("style") == "primary"
    elements = [e for b in view["blocks"] if b["type"] == "actions" for e in b["elements"]]
    opens = [e for e in elements if e["action_id"] == "intro_open_channel"]
    assert opens and all(e["url"].startswith("https://slack.com/app_redirect?channel=") for e in opens)
    assert {"followup_working_together", "followup_deal_won", "followup_no_fit"} <= {e["action_id"] for e in elements}
    # The profile is one line, not the whole card.
    assert not any(b["type"] == "header" and "Acme Phones" in str(b) for b in view["blocks"])
    see = [b["accessory"] for b in view["blocks"] if b.get("accessory", {}).get("action_id") == "home_see_matches"]
    assert see
    bot.fake.reset()
    bot.slack.block_action("home_see_matches", see[0]["value"], user_id="U0ACME001",
                           view={"id": "V0HOME0001", "type": "home", "blocks": []})
    modal = bot.fake.wait_for("views.open")[0].args["view"]
    check_modal(modal)
    assert modal["title"]["text"] == "Your matches"
    # Someone else's ask opens nothing.
    bot.slack.block_action("home_see_matches", see[0]["value"], user_id="U0NOBODY01",
                           view={"id": "V0HOME0002", "type": "home", "blocks": []})
    bot.fake.settle()
    assert len(bot.fake.calls_to("views.open")) == 1
    assert ids


def test_find_partner_from_the_home_opens_the_ask_form(bot):
    bot.slack.block_action("home_find_partner", "find", user_id="U0NOBODY01",
                           view={"id": "V0HOME0001", "type": "home", "blocks": []})
    view = bot.fake.wait_for("views.open")[0].args["view"]
    assert view["callback_id"] == "findpartner_ask"


def test_manager_figures_show_deal_value_in_the_program_currency():
    figures = {"asks": 3, "unmet_asks": 1, "intro_requests": 2, "introduced": 2, "deals_won": 1,
               "deal_value": 185000.0, "approval_hours_median": 4.0, "active_partners": 5, "total_partners": 9,
               "participation_rate": 5 / 9}
    view = home_view(company=None, asks=[], intros=[], is_manager=True, pending=[], pending_total=0,
                     figures=figures, today=date(2026, 12, 6), currency="CHF")
    text = str(view["blocks"])
    assert "185,000 CHF" in text and "$" not in text
