"""Every message, modal and Home view partnerbot builds, from its real builders, with realistic data.

The partners come from the bundled sample ecosystem (bot/data/sample_partners.csv) loaded into
a throw-away SQLite database, and the /findpartner results are the real matcher's ranking, so
what is shown is what a partner would get. People and channels are made up.
"""

from __future__ import annotations

import base64
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from tools.render import slackhtml as H

NOW = datetime(2026, 11, 9, 9, 0, tzinfo=UTC)
PEOPLE = {"U0BOB": "Bob Ruiz", "U0DANA": "Dana Lee", "U0MARIA": "Maria Chen", "U0SAM": "Sam Okafor"}
CHANNELS = {"C0APPROVE": "partner-approvals", "C0DIGEST": "partner-program", "C0P2P": "p2p-ipcelerate-calence"}
BOB, DANA, MARIA = "U0BOB", "U0DANA", "U0MARIA"
ASK_TEXT = "Cisco UC install plus custom IP phone apps for timecards in Tucson, AZ"
RULES = ("1. The requesting partner owns the customer relationship.\n"
         "2. Quote the customer through the requesting partner unless both agree otherwise.\n"
         "3. Tell the vendor team when a deal closes, so it counts for both of you.")


@dataclass
class Surface:
    name: str  # file name (no extension)
    where: str  # who sees it, where
    rendered: tuple[str, str, dict]  # (HTML inside the page frame, surface kind, the Slack payload)
    width: int = 720

    @property
    def html(self) -> str:
        return self.rendered[0]

    @property
    def kind(self) -> str:  # message | modal | home
        return self.rendered[1]

    @property
    def payload(self) -> dict:  # {"text", "blocks"} of a message, or the view
        return self.rendered[2]


@dataclass
class World:
    engine: object
    directory: object
    requester: object  # Company
    target: object
    ask: object  # Ask


def make_world() -> World:
    from sqlmodel import select

    from bot.demo import load_sample
    from bot.matching.directory import Directory
    from models import Ask, Company
    from models.company import link_member
    from models.db import make_engine, session_scope, upgrade

    tmp = Path(tempfile.mkdtemp(prefix="partnerbot-render-")) / "render.db"
    engine = make_engine(f"sqlite:///{tmp}")
    upgrade(engine)
    load_sample(engine)
    with session_scope(engine) as session:
        requester = session.exec(select(Company).where(Company.name == "IPcelerate")).one()
        target = session.exec(select(Company).where(Company.name == "Calence")).one()
        for user, company in ((BOB, requester), (DANA, target)):
            link_member(session, company_id=company.id, slack_user_id=user)
        ask = Ask(asker_user_id=BOB, company_id=requester.id, text=ASK_TEXT, needs=["Cisco UC install"],
                  industry="Restaurants", region="Tucson, AZ", timing="This quarter",
                  context="A franchisee of 26 sandwich restaurants is replacing its phones and wants "
                          "timecard and deposit-reporting apps on the new touch screens.",
                  created_at=NOW - timedelta(days=2))
        session.add(ask)
        session.flush()
    return World(engine, Directory(engine), requester, target, ask)


def _message(blocks: list[dict], text: str = "", **kw) -> tuple[str, str, dict]:
    return (H.message_html(blocks, text=text, people=PEOPLE, channels=CHANNELS, **kw), "message",
            {"text": text, "blocks": blocks})


def _modal(view: dict) -> tuple[str, str, dict]:
    return H.modal_html(view, people=PEOPLE, channels=CHANNELS), "modal", view


def _home(view: dict) -> tuple[str, str, dict]:
    return H.home_html(view, people=PEOPLE, channels=CHANNELS), "home", view


def _png_uri(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode()


# -- the surfaces ------------------------------------------------------------------------
def findpartner_results(w: World) -> Surface:
    from bot.blocks.matches import results_message

    ranking = w.directory.rank(ASK_TEXT, today=NOW.date(), exclude_company_id=w.requester.id, max_open=3, top=5)
    linked = {m.company_id for m in ranking.matches}
    text, blocks = results_message(ask_id=w.ask.id, ranking=ranking, linked=linked)
    return Surface("findpartner-results", "Bob (IPcelerate) typed /findpartner — only Bob sees this",
                   _message(blocks, text, ephemeral=True))


def findpartner_no_match(w: World) -> Surface:
    from bot.blocks.matches import results_message

    ranking = w.directory.rank("underwater basket weaving supplies", today=NOW.date(), top=5)
    text, blocks = results_message(ask_id=w.ask.id, ranking=ranking, linked=set())
    return Surface("findpartner-no-match", "An ask nobody can serve — only the asker sees this",
                   _message(blocks, text, ephemeral=True))


def ask_modal(w: World) -> Surface:
    from bot.blocks.matches import ask_modal as build

    return Surface("findpartner-modal", "/findpartner with no text opens this form", _modal(build()), 600)


def _approval_kwargs(w: World) -> dict:
    return dict(intro_id=7, ask=w.ask, requester=w.requester, target=w.target, requester_user_id=BOB, score=93.6,
                reasons=["for “cisco UC install”: Cisco Unified Communications design and installation",
                         "Cisco Gold Certified", "unified communications ≈ 'UC'", "serves Arizona — includes Tucson"])


def approval_request(w: World) -> Surface:
    from bot.blocks import intro

    kwargs = _approval_kwargs(w)
    blocks = intro.approval_request(**kwargs, open_intros=1, max_open=3, met_before=None,
                                    requested_at=NOW - timedelta(minutes=20),
                                    note="The franchisee wants to sign before the holidays; Calence did "
                                         "their Phoenix stores.")
    return Surface("approval-request", "A vendor manager in #partner-approvals",
                   _message(blocks, intro.approval_text(w.requester.name, w.target.name)))


def approval_decided(w: World) -> Surface:
    from bot.blocks import intro

    blocks = intro.approval_decided(**_approval_kwargs(w), approved=True, manager_id=MARIA, at=NOW, channel_id="C0P2P")
    return Surface("approval-decided", "The same request after Maria approved it", _message(blocks))


def profiles_modal(w: World) -> Surface:
    from bot.blocks import intro

    view = intro.profiles_modal(requester=w.requester, target=w.target, ask=w.ask, today=NOW.date())
    return Surface("profiles-modal", "View profiles, from the approval request", _modal(view), 600)


def decline_modal(w: World) -> Surface:
    from bot.blocks import intro

    return Surface("decline-modal", "Decline asks the manager for a reason",
                   _modal(intro.decline_reason_modal(intro_id=7, target_name=w.target.name)), 600)


def intro_message(w: World) -> Surface:
    from bot.blocks import intro

    kwargs = _approval_kwargs(w)
    blocks = intro.intro_message(intro_id=7, ask=w.ask, requester=w.requester, target=w.target,
                                 requester_user_ids=[BOB], target_user_ids=[DANA], manager_id=MARIA,
                                 score=kwargs["score"], reasons=kwargs["reasons"], rules=RULES, at=NOW)
    rules = _message(intro.rules_message(RULES), "Rules of engagement", time="9:02 AM · 📌 pinned")[0]
    html, kind, payload = _message(blocks, intro.intro_text(w.requester.name, w.target.name))
    return Surface("introduction", "Bob, Dana and Maria in the new #p2p-ipcelerate-calence channel",
                   (html + '<div style="height:12px"></div>' + rules, kind, payload))


def intro_dm(w: World) -> Surface:
    from bot.blocks import intro

    blocks = intro.intro_dm(intro_id=7, other_name=w.requester.name, manager_id=MARIA, link="https://x/archives/C0P2P",
                            channel_name="p2p-ipcelerate-calence", can_say_not_a_fit=True)
    return Surface("introduction-dm", "Dana's DM (the introduced partner: only Dana's side sees Not a fit)",
                   _message(blocks, f"You've been introduced to {w.requester.name}"))


def not_a_fit_modal(w: World) -> Surface:
    from bot.blocks import intro

    return Surface("not-a-fit-modal", "Not a fit asks Dana to confirm and say why",
                   _modal(intro.not_a_fit_modal(intro_id=7, other_name=w.requester.name)), 600)


def followup(w: World) -> Surface:
    from bot.blocks import intro

    blocks = intro.followup_message(intro_id=7, other_name=w.target.name, days=14)
    return Surface("followup", "Bob's DM, 14 days after the introduction",
                   _message(blocks, f"How is your introduction to {w.target.name} going?"))


def followup_answered(w: World) -> Surface:
    from bot.blocks import intro

    blocks = intro.followup_answered(other_name=w.target.name, outcome="deal_won", deal_value=185000.0)
    return Surface("followup-answered", "The follow-up after Bob reported a won deal", _message(blocks))


def deal_modal(w: World) -> Surface:
    from bot.blocks import intro

    return Surface("deal-value-modal", "Deal won asks for the deal's value",
                   _modal(intro.deal_value_modal(private_metadata="{}", other_name=w.target.name)), 600)


def nudge(w: World) -> Surface:
    from bot.blocks.nudge import nudge_blocks, nudge_text

    blocks = nudge_blocks(company_id=w.requester.id, company_name=w.requester.name,
                          kinds=["unanswered_intro", "stale_profile"])
    return Surface("nudge", "A partner's monthly check-in DM", _message(blocks, nudge_text(w.requester.name)))


def sample_figures(*, empty: bool = False) -> dict:
    """A realistic digest week (the keys compute_figures returns)."""
    start, end = NOW - timedelta(days=7), NOW
    zero = dict.fromkeys(("asks", "unmet_asks", "partly_unmet_asks", "matches_shown", "intro_requests", "approved",
                          "declined", "introduced", "working_together", "deals_won", "new_profiles",
                          "updated_profiles", "active_partners"), 0)
    base = {"period_start": start.isoformat(), "period_end": end.isoformat(), "days": 7.0, **zero,
            "deal_value": 0.0, "total_partners": 67, "participation_rate": 0.0, "approval_hours_median": None,
            "approval_hours_p90": None, "top_capabilities": [], "top_industries": [], "top_regions": [],
            "top_unmet_needs": [], "top_unmet_needs_counts": [], "top_connectors": [],
            "gaps": {"inactive_partners": 41, "stale_profiles": 9, "unanswered_introductions": 2},
            "previous": {}, "change": {}}
    if empty:
        return base
    week = {"asks": 23, "unmet_asks": 4, "partly_unmet_asks": 2, "matches_shown": 71, "intro_requests": 14,
            "approved": 11, "declined": 1, "introduced": 10, "working_together": 5, "deals_won": 2,
            "deal_value": 185000.0, "active_partners": 19, "participation_rate": 0.2836, "new_profiles": 3,
            "updated_profiles": 6, "approval_hours_median": 5.5, "approval_hours_p90": 51.0}
    previous = {"asks": 19, "unmet_asks": 2, "partly_unmet_asks": 1, "matches_shown": 60, "intro_requests": 12,
                "approved": 9, "declined": 2, "introduced": 8, "working_together": 3, "deals_won": 1,
                "deal_value": 40000.0, "active_partners": 16, "total_partners": 64, "participation_rate": 0.25,
                "new_profiles": 1, "updated_profiles": 4, "approval_hours_median": 9.0}
    base.update(week)
    base["previous"] = previous
    base["change"] = {k: (round(base[k] - v, 4) if isinstance(v, float) else base[k] - v) for k, v in previous.items()}
    base["top_unmet_needs_counts"] = [{"name": "HIPAA compliance audit", "count": 3},
                                      {"name": "drone site surveys", "count": 1}]
    base["top_unmet_needs"] = [r["name"] for r in base["top_unmet_needs_counts"]]
    base["top_capabilities"] = [{"name": "unified communications installation", "count": 6},
                                {"name": "IP phone apps", "count": 4}, {"name": "SOC", "count": 3}]
    base["top_industries"] = [{"name": "Restaurants", "count": 7}, {"name": "Healthcare", "count": 4}]
    base["top_regions"] = [{"name": "Arizona", "count": 6}, {"name": "Texas", "count": 5}]
    base["top_connectors"] = [{"company": "Calence", "introductions": 3}, {"company": "IPcelerate", "introductions": 2}]
    return base


def sample_trend(*, empty: bool = False) -> dict[str, list]:
    starts = [(NOW - timedelta(days=7 * (8 - i))).isoformat() for i in range(8)]
    if empty:
        return {"period_start": starts, **{k: [0] * 8 for k in ("asks", "unmet_asks", "intro_requests", "introduced",
                                                               "deals_won")}}
    return {"period_start": starts, "asks": [9, 12, 11, 15, 14, 17, 19, 23], "unmet_asks": [3, 4, 2, 3, 2, 3, 2, 4],
            "intro_requests": [4, 6, 5, 8, 9, 10, 12, 14], "introduced": [3, 4, 4, 6, 7, 7, 8, 10],
            "deals_won": [0, 0, 1, 0, 1, 1, 1, 2]}


def digest(w: World, *, empty: bool = False) -> Surface:
    from bot.blocks.digest import digest_blocks, digest_text
    from bot.metrics.chart import has_data, trend_chart

    figures, series = sample_figures(empty=empty), sample_trend(empty=empty)
    chart = trend_chart(series, title="Partner program to Nov 2 – Nov 8, 2026") if has_data(series) else None
    ref = {"file_id": "F0CHART", "alt_text": chart.alt_text} if chart else None
    blocks = digest_blocks(figures, trend=series, chart=ref)
    # The HTML shows the uploaded PNG where Slack would show the file.
    shown = [({**b, "image_url": _png_uri(chart.png)} if b["type"] == "image" else b) for b in blocks]
    html = _message(shown, digest_text(figures))[0]
    name = "digest-empty" if empty else "digest"
    return Surface(name, "#partner-program, Monday 9:00 — the weekly digest",
                   (html, "message", {"text": digest_text(figures), "blocks": blocks}))


def partnerstats_partner(w: World) -> Surface:
    from bot.blocks.stats import partner_stats_blocks

    figures = {"period_start": (NOW - timedelta(days=30)).isoformat(), "period_end": NOW.isoformat(), "asks": 3,
               "unmet_asks": 1, "intro_requests_made": 2, "intro_requests_received": 1, "introduced": 2,
               "open_introductions": 1, "working_together": 1, "deals_won": 1, "deal_value": 185000.0, "no_fit": 0}
    return Surface("partnerstats-partner", "Bob typed /partnerstats 30 — only Bob sees this",
                   _message(partner_stats_blocks(w.requester.name, figures, days=30), ephemeral=True))


def _home_data(w: World) -> dict:
    asks = [{"id": w.ask.id, "text": ASK_TEXT, "created_at": NOW - timedelta(days=2), "matches_shown": 4,
             "unmet": False, "intros": 1, "mine": True},
            {"id": 3, "text": "HIPAA compliance audit for a clinic group", "created_at": NOW - timedelta(days=9),
             "matches_shown": 0, "unmet": True, "intros": 0, "mine": True}]
    intros = [{"id": 7, "state": "introduced", "created_at": NOW - timedelta(days=2), "channel_id": "C0P2P",
               "requested_by_you": True, "other": "Calence"},
              {"id": 4, "state": "requested", "created_at": NOW - timedelta(days=1), "channel_id": None,
               "requested_by_you": False, "other": "Saguaro Voice Systems"},
              {"id": 2, "state": "closed", "created_at": NOW - timedelta(days=40), "channel_id": "C0P2P",
               "requested_by_you": True, "other": "Register Logic"}]
    return {"asks": asks, "intros": intros}


def home_partner(w: World) -> Surface:
    from bot.blocks.home import home_view

    view = home_view(company=w.requester, **_home_data(w), is_manager=False, pending=[], pending_total=0,
                     figures=None, today=NOW.date(), now=NOW)
    return Surface("home-partner", "Bob's App Home (a partner)", _home(view), 800)


def home_manager(w: World) -> Surface:
    from bot.blocks.home import home_view

    pending = [{"id": 9, "created_at": NOW - timedelta(hours=60), "requester_user_id": "U0SAM",
                "requester": "Saguaro Voice Systems", "target": "IPcelerate",
                "ask": "touch-screen timecard apps on Cisco phones for 12 clinics"},
               {"id": 10, "created_at": NOW - timedelta(hours=3), "requester_user_id": BOB, "requester": "IPcelerate",
                "target": "Calence", "ask": ASK_TEXT}]
    view = home_view(company=None, asks=[], intros=[], is_manager=True, pending=pending, pending_total=2,
                     figures=sample_figures(), today=NOW.date(), now=NOW)
    return Surface("home-manager", "Maria's App Home (a vendor manager)", _home(view), 800)


def see_matches(w: World) -> Surface:
    from bot.blocks.home import ask_results_modal
    from bot.blocks.matches import saved_results_message

    results = [{"company_id": w.target.id, "company": w.target.name, "partner_type": w.target.partner_type,
                "score": 93.6, "reasons": _approval_kwargs(w)["reasons"], "confidence": "strong", "covers": []},
               {"company_id": w.target.id + 100, "company": "Saguaro Voice Systems", "partner_type": "Installer",
                "score": 70.0, "reasons": ["VoIP phone system installation", "serves Tucson, Arizona"],
                "confidence": "strong", "covers": []}]
    _text, blocks = saved_results_message(
        ask_id=w.ask.id, title=ASK_TEXT, needs=[ASK_TEXT], results=results, linked={w.target.id, w.target.id + 100},
        requested={w.target.id: "requested"}, notice_button={
            "type": "button", "action_id": "intro_request_note", "value": "7",
            "text": {"type": "plain_text", "text": "Add a note for the manager"}},
        notice=":white_check_mark: Thanks! Your request to be introduced to *Calence* is waiting for a vendor "
               "manager's approval. I'll let you know here in Slack.")
    return Surface("findpartner-requested", "Bob clicked Request intro (or See matches on his Home)",
                   _modal(ask_results_modal(blocks)), 640)


def profile_card(w: World) -> Surface:
    from bot.blocks.profile import profile_card as card

    return Surface("profile-card", "/partnerprofile show", _message(card(w.target, today=NOW.date()), ephemeral=True))


def profile_modal(w: World) -> Surface:
    from bot.blocks.profile import profile_modal as build

    return Surface("profile-modal", "/partnerprofile opens the profile form", _modal(build(w.target)), 600)


SURFACES: list[Callable[[World], Surface]] = [
    findpartner_results, findpartner_no_match, ask_modal, approval_request, approval_decided, profiles_modal, decline_modal,
    intro_message, intro_dm, not_a_fit_modal, followup, followup_answered, deal_modal, nudge, digest,
    lambda w: digest(w, empty=True), partnerstats_partner, home_partner, home_manager, see_matches, profile_card, profile_modal,
]


def build_all() -> list[Surface]:
    world = make_world()
    return [make(world) for make in SURFACES]
