"""Every builder in bot/blocks/ against Slack's documented rules (tests/slack_rules.py), with
realistic data and with the worst the data can be: long names, many results, text at the
limits, characters that must stay escaped."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from types import SimpleNamespace

import pytest

from bot.blocks import digest as digest_b
from bot.blocks import home as home_b
from bot.blocks import intro as intro_b
from bot.blocks import matches as matches_b
from bot.blocks import notices as notices_b
from bot.blocks import nudge as nudge_b
from bot.blocks import profile as profile_b
from bot.blocks import stats as stats_b
from bot.matching.asks import parse_ask
from bot.matching.index import DirectoryIndex
from bot.matching.profile import ProfileRecord
from bot.matching.scorer import rank
from bot.text import safe
from models import Company
from tests import slack_rules as R

AT = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
# Text that must stay escaped: mentions, links, entities; long enough to hit every cut.
NASTY = "<!channel> <@U0BOSS> <https://evil.example|click> & *bold* _it_ " + "Ü&x" * 2000


def message_ok(blocks: list[dict], text: str = "fallback") -> list[dict]:
    """Asserts Slack accepts the message and that user text stayed escaped; returns the blocks."""
    assert R.check_blocks(blocks) == [], R.check_blocks(blocks)
    assert R.check_message({"channel": "C1", "text": text, "blocks": blocks}) is None
    assert text, "a message with blocks needs a top-level text fallback"
    _assert_escaped([*blocks, {"type": "mrkdwn", "text": text}])  # Slack parses `text` as mrkdwn too
    return blocks


def view_ok(view: dict, method: str = "views.open") -> dict:
    found = R.check_view(view, method=method)
    assert found == [], found
    assert len(json.dumps(view, ensure_ascii=False).encode()) <= R.MAX_VIEW_BYTES  # else view_too_large
    _assert_escaped(view)
    return view


def _assert_escaped(payload) -> None:
    """mrkdwn shows user text as typed: no live mention or link, no half entity ("&am…") left
    by a cut. (plain_text is shown literally, so it carries the text unescaped.)"""
    for obj in _mrkdwn_texts(payload):
        for raw in ("<!channel>", "<@U0BOSS>", "<https://evil.example"):
            assert raw not in obj
        for piece in obj.split("&")[1:]:
            assert piece.startswith(("amp;", "lt;", "gt;")), f"broken entity in {obj[:80]!r}…"
        for piece in obj.split("<")[1:]:  # every Slack token (<@U1>, <!date^…>, <url|text>) closed
            assert ">" in piece, f"half a Slack token in …{obj[-80:]!r}"


def _mrkdwn_texts(node) -> list[str]:
    if isinstance(node, dict):
        found = [node["text"]] if node.get("type") == "mrkdwn" and isinstance(node.get("text"), str) else []
        return found + [t for v in node.values() for t in _mrkdwn_texts(v)]
    if isinstance(node, list):
        return [t for v in node for t in _mrkdwn_texts(v)]
    return []


# -- data ----------------------------------------------------------------------------------
def company(n: int = 1, **kw):
    base = dict(id=n, name=["Saguaro Networks", "Calence"][n % 2], partner_type="Solution provider", capabilities=["UC installation", "cabling"],
                industries=["restaurants"], regions=["Arizona"], certifications=["Cisco Gold"],
                description="Installs unified communications across the Southwest.")
    base.update(kw)
    return SimpleNamespace(**base)


def worst_company(n: int = 1):
    return company(name=f"{n} " + NASTY[:118], partner_type=NASTY[:60], capabilities=[NASTY[:80]] * 20,
                   industries=[NASTY[:80]] * 20, regions=[NASTY[:80]] * 20, certifications=[NASTY[:80]] * 20,
                   description=NASTY[:1500])


def ask(text="Cisco UC install plus custom IP phone apps for 26 sandwich shops in Tucson", **kw):
    base = dict(text=text, industry="restaurants", region="Tucson, AZ", timing="This quarter",
                context="26 franchise restaurants upgrading their phones")
    base.update(kw)
    return SimpleNamespace(**base)


def worst_ask():
    return ask(NASTY, industry=NASTY, region=NASTY, timing=NASTY, context=NASTY)


CASES = {"realistic": (company, ask), "worst": (worst_company, worst_ask)}


# -- introductions -------------------------------------------------------------------------
@pytest.mark.parametrize("case", CASES)
def test_approval_messages(case):
    make_company, make_ask = CASES[case]
    kwargs = dict(intro_id=7, ask=make_ask(), requester=make_company(1), target=make_company(2),
                  requester_user_id="U0BOB0001", score=88.0,
                  reasons=["Does UC installation", "Serves Arizona"] if case == "realistic" else [NASTY] * 30)
    text = intro_b.approval_text(kwargs["requester"].name, kwargs["target"].name)
    message_ok(intro_b.approval_request(**kwargs), text)
    message_ok(intro_b.approval_decided(**kwargs, approved=True, manager_id="U0MARIA01", at=AT), text)
    message_ok(intro_b.approval_decided(**kwargs, approved=False, manager_id="U0MARIA01", at=AT,
                                        reason=NASTY if case == "worst" else "They already work together"), text)
    message_ok([intro_b.approval_buttons(10**12)])


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("people", [1, 3, 300])
def test_intro_message_and_its_closed_form(case, people):
    make_company, make_ask = CASES[case]
    blocks = intro_b.intro_message(
        intro_id=3, ask=make_ask(), requester=make_company(1), target=make_company(2),
        requester_user_ids=[f"U0A{i:07d}" for i in range(people)],
        target_user_ids=[f"U0B{i:07d}" for i in range(people)], manager_id="U0MARIA01", score=91.0,
        reasons=["Does UC installation"] if case == "realistic" else [NASTY] * 30,
        rules=None if case == "realistic" else NASTY)
    message_ok(blocks, "Meet Saguaro Networks and Calence")
    closed = intro_b.intro_message_closed(blocks, company_name=make_company(2).name, user_id="U0B0000001", at=AT)
    message_ok(closed, "closed")
    assert len(intro_b.intro_topic(NASTY, NASTY)) <= 250  # conversations.setTopic: 250 characters


@pytest.mark.parametrize("name", ["Calence", NASTY])
def test_follow_up_answer_and_deal_modal(name):
    message_ok(intro_b.followup_answered(other_name=name, outcome="deal_won", deal_value=1.5e12), "Thanks")
    message_ok(intro_b.followup_answered(other_name=name, outcome="no_fit", deal_value=None), "Thanks")
    view_ok(intro_b.deal_value_modal(private_metadata="x" * 3000, other_name=name))
    view_ok(intro_b.decline_reason_modal(intro_id=10**12, target_name=name, from_home=True))


@pytest.mark.parametrize("reminder", [False, True])
def test_follow_up_message(reminder):
    """The follow-up DM Slack refused (issue 11 part 1): each button its own action_id."""
    blocks = intro_b.followup_message(intro_id=10**12, other_name=NASTY, days=30, reminder=reminder)
    message_ok(blocks, "How did it go?")


# -- /findpartner --------------------------------------------------------------------------
@pytest.fixture(scope="module")
def index():
    idx = DirectoryIndex()
    idx.bulk_load(
        [ProfileRecord(1, "Calence", "solution provider", ("Cisco Unified Communications installation",),
                       regions=("Arizona",), certifications=("Cisco Gold Certified",)),
         ProfileRecord(2, "IPcelerate", "ISV", ("custom applications for Cisco IP phones", "timecard apps"),
                       regions=("United States",))]
        + [ProfileRecord(10 + n, f"{n} {NASTY[:300]}", NASTY[:60],
                         tuple(f"unified communications installation {NASTY[:200]} {k}" for k in range(20)),
                         regions=("Tucson, AZ", "Arizona", "Texas"), certifications=(NASTY[:200],))
           for n in range(40)])
    return idx


@pytest.mark.parametrize(("ask_text", "top"), [
    ("cisco UC install plus custom ip phone apps for timecards in Tucson", 5),
    ("unified communications installation in Tucson, AZ", 25),
    ("UC installation, custom phone apps, timecards, shift management, deposit reports, cabling, "
     "wifi, cameras, alarms, payroll, training, support, " + NASTY[:500] + " in Tucson and Texas", 50),
])
@pytest.mark.parametrize("linked", [True, False])
def test_results_message(index, ask_text, top, linked):
    ranking = rank(index, parse_ask(ask_text, index), today=date(2026, 11, 2), top=top)
    ids = {m.company_id for m in ranking.matches} if linked else set()
    fallback, blocks = matches_b.results_message(ask_id=10**12, ranking=ranking, linked=ids, asker_has_profile=False,
                                                 title=ask_text)
    message_ok(blocks, fallback)


def test_no_match_and_ask_modal():
    fallback, blocks = matches_b.no_match_message(NASTY, [NASTY] * 30)
    message_ok(blocks, fallback)
    view_ok(matches_b.ask_modal(private_metadata="C" * 3000))


# -- profiles ------------------------------------------------------------------------------
def db_company(worst: bool) -> Company:
    if not worst:
        return Company(id=1, name="Saguaro Networks", name_key="saguaro networks", partner_type="Solution provider",
                       capabilities=["UC installation"], industries=["restaurants"], regions=["Arizona"],
                       certifications=["Cisco Gold"], description="Installs UC.", website="https://saguaro.example",
                       updated_at=AT)
    return Company(id=10**9, name=NASTY[:80], name_key="x", partner_type=NASTY[:60], capabilities=[NASTY[:80]] * 20,
                   industries=[NASTY[:80]] * 20, regions=[NASTY[:80]] * 20, certifications=[NASTY[:80]] * 20,
                   description=NASTY[:1500], website=NASTY[:200], updated_at=AT)


@pytest.mark.parametrize("worst", [False, True])
def test_profile_builders(worst):
    c = db_company(worst)
    message_ok(profile_b.profile_card(c, today=date(2026, 11, 2)), "Partner profile")
    view_ok(profile_b.profile_modal(c, from_home=True))
    view_ok(profile_b.profile_modal(None))
    errors = {f"e{i}": NASTY for i in range(30)} if worst else {"company": "Tell us your company name."}
    view_ok(profile_b.profile_modal(c, errors))
    view_ok(profile_b.saved_view(c, created=False, changed=["capabilities", "regions"], today=date(2026, 11, 2)),
            "views.update")
    message_ok(profile_b.delete_confirmation_blocks(c), "Delete your partner profile?")
    message_ok(profile_b.notice_blocks(profile_b.USAGE), "usage")


# -- App Home ------------------------------------------------------------------------------
@pytest.mark.parametrize("worst", [False, True])
@pytest.mark.parametrize("is_manager", [False, True])
def test_home_view(worst, is_manager):
    text = NASTY if worst else "UC install in Tucson"
    asks = [{"id": i, "text": text, "created_at": AT, "matches_shown": 10**6, "unmet": i % 2 == 0,
             "intros": 10**6} for i in range(8)]  # bot/metrics/home.py shows the newest 8 asks
    intros = [{"id": i, "state": s, "created_at": AT, "channel_id": "C0CHAN0001", "requested_by_you": i % 2 == 0,
               "other": text} for i, s in enumerate(["introduced", "requested", "closed", "not_a_fit", "declined"] * 2)]
    pending = [{"id": 10**9 + i, "created_at": AT, "requester_user_id": "U0X", "requester": text, "target": text,
                "ask": text} for i in range(15)]
    figures = {"asks": 10**9, "unmet_asks": 10**9, "intro_requests": 10**9, "introduced": 10**9, "deals_won": 10**9,
               "deal_value": 1.5e15, "approval_hours_median": 12345.6, "active_partners": 10**6,
               "total_partners": 10**6, "participation_rate": 1.0}
    view = home_b.home_view(company=db_company(worst), asks=asks, intros=intros, is_manager=is_manager,
                            pending=pending, pending_total=10**6, figures=figures, today=date(2026, 11, 2))
    view_ok(view, "views.publish")
    view_ok(home_b.home_view(company=None, asks=[], intros=[], is_manager=is_manager, pending=[], pending_total=0,
                             figures=None, today=date(2026, 11, 2)), "views.publish")


# -- digest, /partnerstats, nudges, notices ------------------------------------------------
def figures(worst: bool) -> dict:
    name = NASTY if worst else "UC installation"
    ranked = [{"name": name, "count": 10**9} for _ in range(50 if worst else 3)]
    return {
        "period_start": "2026-11-02T00:00:00+00:00", "period_end": "2026-11-09T00:00:00+00:00", "days": 7,
        "asks": 10**9, "unmet_asks": 10**8, "partly_unmet_asks": 10**8, "matches_shown": 10**9,
        "intro_requests": 10**9, "approved": 10**9, "declined": 10**9, "introduced": 10**9,
        "working_together": 10**9, "deals_won": 10**9, "deal_value": 1.5e15, "active_partners": 10**6,
        "total_partners": 10**6, "participation_rate": 1.0, "new_profiles": 10**6, "updated_profiles": 10**6,
        "approval_hours_median": 12345.67, "approval_hours_p90": 99999.9, "top_capabilities": ranked,
        "top_industries": ranked, "top_regions": ranked, "top_unmet_needs": [name] * len(ranked),
        "top_unmet_needs_counts": ranked,
        "top_connectors": [{"company_id": i, "company": name, "introductions": 10**9} for i in range(len(ranked))],
        "gaps": {"inactive_partners": 10**6, "stale_profiles": 10**6, "unanswered_introductions": 10**6},
        "change": {"asks": -(10**9), "participation_rate": -1.0, "deal_value": 1.5e15},
    }


@pytest.mark.parametrize("worst", [False, True])
def test_digest_and_stats(worst):
    f = figures(worst)
    message_ok(digest_b.digest_blocks(f, tz="America/Phoenix"), digest_b.digest_text(f))
    message_ok(stats_b.program_stats_blocks(f, days=365), "stats")
    partner = {"period_start": "2026-11-02T00:00:00+00:00", "period_end": "2026-11-09T00:00:00+00:00",
               "asks": 10**9, "unmet_asks": 10**9, "intro_requests_made": 10**9, "intro_requests_received": 10**9,
               "introduced": 10**9, "open_introductions": 10**9, "working_together": 10**9, "deals_won": 10**9,
               "no_fit": 10**9, "deal_value": 1.5e15}
    message_ok(stats_b.partner_stats_blocks(NASTY if worst else "Calence", partner, days=365), "stats")
    message_ok(stats_b.no_profile_blocks(), "stats")
    message_ok(stats_b.text_blocks(NASTY if worst else stats_b.USAGE), "stats")


@pytest.mark.parametrize("name", ["Calence", NASTY])
def test_nudge_and_notices(name):
    kinds = ["unanswered_intro", "stale_profile", "inactive"]
    message_ok(nudge_b.nudge_blocks(company_id=10**9, company_name=name, kinds=kinds), nudge_b.nudge_text(name))
    notice = notices_b.db_unavailable_message()
    assert R.check_message(notice) is None and R.message_warnings(notice) == []
    view_ok(notices_b.db_unavailable_modal(), "views.push")


def test_a_long_result_is_cut_between_escaped_entities():
    from bot.matching.scorer import Match

    match = Match(company_id=1, company="Smith & Sons", partner_type="ISV", score=90.0,
                  reasons=["&" * 1000] * 20, covers=[0], need_scores=[1.0])
    blocks = matches_b.match_blocks(1, match, ask_id=1, linked=True)
    message_ok(blocks)
    assert len(blocks[0]["text"]["text"]) <= 3000


@pytest.mark.parametrize(("requester", "target"), [
    ("Saguaro Networks", "Calence"), (NASTY, NASTY), ("株式会社テスト", "———"), ("x" * 500, "Ü" * 500), ("", "-_-")])
def test_intro_channel_names_pass_conversations_create(requester, target):
    from bot.introductions import naming

    base = naming.base_name(requester, target, requester_id=10**9, target_id=10**9)
    for name in naming.candidates(base, intro_id=10**12):
        assert R.check_channel_name(name) is None, name


# -- builders added with the redesign (issue 11 part 3) and consent (issue 14) --------------
@pytest.mark.parametrize("case", CASES)
def test_approval_extras_intro_dm_and_not_a_fit(case):
    make_company, make_ask = CASES[case]
    name = make_company(2).name
    message_ok([intro_b.approval_buttons(10**12, view_profiles=True)])
    view_ok(intro_b.profiles_modal(requester=db_company(case == "worst"), target=db_company(case == "worst"),
                                   ask=make_ask(), today=date(2026, 11, 2)))
    message_ok(intro_b.rules_message(NASTY if case == "worst" else "Be kind; the requester owns the customer."),
               "Rules of engagement")
    for can in (True, False):
        message_ok(intro_b.intro_dm(intro_id=10**12, other_name=name, manager_id="U0MARIA01",
                                    link="https://partners.slack.com/archives/C0CHAN0001", channel_name="p2p-" + "x" * 76,
                                    can_say_not_a_fit=can), intro_b.intro_text(name, name))
    view_ok(intro_b.not_a_fit_modal(intro_id=10**12, other_name=name))
    for reminder in (False, True):
        message_ok(intro_b.followup_later(other_name=name, reminder=reminder), "Not yet")


@pytest.mark.parametrize("worst", [False, True])
def test_saved_results_leads_and_their_modal(worst):
    name = NASTY[:300] if worst else "Calence"
    results = [{"company_id": i, "company": f"{i} {name}", "partner_type": name[:60], "score": 90 - i,
                "reasons": [name] * (30 if worst else 2), "confidence": "weak" if i >= 25 else "strong",
                "covers": ["UC install", NASTY[:150]]} for i in range(1, 29)]
    needs = ["UC install", NASTY[:150], "timecards"] if worst else ["UC install"]
    for requested in (None, {1: "requested", 2: "approved"}):
        fallback, blocks = matches_b.saved_results_message(
            ask_id=10**12, title=name, needs=needs, results=results, linked={i for i in range(1, 29, 2)},
            requested=requested, notice=safe(name, 300) if worst else None, asker_has_profile=False)
        message_ok(blocks, fallback)
        view_ok(home_b.ask_results_modal(blocks), "views.push")
    leads_only = [r | {"confidence": "weak"} for r in results]
    fallback, blocks = matches_b.saved_results_message(ask_id=1, title=name, needs=needs, results=leads_only,
                                                       linked={1, 2, 3})
    message_ok(blocks, fallback)


@pytest.mark.parametrize("worst", [False, True])
def test_profile_modals_and_notices(worst):
    view_ok(profile_b.partner_profile_modal(db_company(worst), today=date(2026, 11, 2)), "views.push")
    message_ok(profile_b.profile_card(db_company(worst), today=date(2026, 11, 2), contacts=True), "profile")
    view_ok(notices_b.notice_modal(safe(NASTY, 3000) if worst else "Please try again in a minute."), "views.push")


@pytest.mark.parametrize("case", CASES)
def test_consent_builders(case):
    from bot.blocks import consent as consent_b

    make_company, make_ask = CASES[case]
    requester, name = make_company(1), make_company(2).name
    message_ok(consent_b.consent_request(intro_id=10**12, ask=make_ask(), requester=requester,
                                         requester_user_id="U0BOB0001", target_name=name, manager_id="U0MARIA01",
                                         reasons=[NASTY] * 30 if case == "worst" else ["Does UC installation"],
                                         deadline=AT), consent_b.consent_text(requester.name))
    for answer in ("accepted", "declined", "expired"):
        message_ok(consent_b.consent_answered(intro_id=10**12, requester_name=requester.name, answer=answer,
                                              user_id="U0DANA001", at=AT), "answered")
    view_ok(consent_b.not_now_modal(intro_id=10**12, requester_name=requester.name))
    message_ok([consent_b.status_block(safe(NASTY, 3000) if case == "worst" else "Waiting for Calence to accept")], "status")
    message_ok(consent_b.connect_report(intro_id=10**12, email="dana@" + "x" * 250, company_name=name,
                                        reason=NASTY if case == "worst" else "declined by their admin",
                                        channel_id="C0CHAN0001", invite_id=10**12), "Slack Connect")


def test_cuts_never_split_an_entity_or_a_slack_token():
    from bot.text import truncate

    text = "<@U0A0000001> " * 300
    cut = truncate(text, 3000)
    assert len(cut) <= 3000 and cut.rstrip("…").rstrip().endswith(">")
    assert truncate("&amp;" * 1000, 3000).removesuffix("…").endswith("&amp;")
    mentioned = intro_b.mentions([f"U{i:09d}" for i in range(300)])
    assert mentioned.count("<@") == intro_b.MAX_MENTIONS and mentioned.endswith("and 290 more")
