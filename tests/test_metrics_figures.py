"""Every figure on a hand-built week (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.metrics.figures import company_figures, compute_figures, trend
from models import Ask
from models.db import session_scope
from tests.metrics_data import END, EXPECTED, EXPECTED_PREVIOUS, START, build_week


@pytest.fixture
def week(engine):
    return build_week(engine)


def test_headline_figures(engine, week):
    with session_scope(engine) as s:
        figures = compute_figures(s, start=START, end=END)
    for key, value in EXPECTED.items():
        assert figures[key] == pytest.approx(value), key
    assert figures["period_start"] == "2026-11-02T00:00:00+00:00"
    assert figures["period_end"] == "2026-11-09T00:00:00+00:00"


def test_change_against_previous_period(engine, week):
    with session_scope(engine) as s:
        figures = compute_figures(s, start=START, end=END)
    for key, value in EXPECTED_PREVIOUS.items():
        assert figures["previous"][key] == pytest.approx(value), key
        assert figures["change"][key] == pytest.approx(EXPECTED[key] - value), key


def test_tops_unmet_demand_and_connectors(engine, week):
    with session_scope(engine) as s:
        figures = compute_figures(s, start=START, end=END)
    assert figures["top_capabilities"] == [
        {"name": "drone survey", "count": 2}, {"name": "ip phone apps", "count": 2},
        {"name": "uc installation", "count": 2}]
    assert figures["top_industries"] == [{"name": "restaurants", "count": 2}, {"name": "agriculture", "count": 1}]
    assert figures["top_regions"] == [{"name": "arizona", "count": 1}, {"name": "texas", "count": 1}]
    # Unmet asks: the matcher's needs, and the text of an unmet ask it read no needs in.
    assert figures["top_unmet_needs"] == ["drone survey", "quantum widgets"]
    assert figures["top_connectors"] == [
        {"company_id": week["A"], "company": "Acme Phones", "introductions": 2},
        {"company_id": week["B"], "company": "Bravo UC", "introductions": 1},
        {"company_id": week["C"], "company": "Cobalt Apps", "introductions": 1}]


def test_unmet_demand_counts_the_parts_nobody_covered(engine):
    def ask(when, needs, unmet_needs, *, unmet=False, text=None):
        return Ask(asker_user_id="U0ASKER01", text=text or "; ".join(needs), needs=needs, unmet=unmet,
                   unmet_needs=unmet_needs, matches_shown=0 if unmet else 2, created_at=when)

    day = START + timedelta(days=1)
    with session_scope(engine) as s:
        s.add_all([
            # Partly met: a partner for the UC install, nobody for the welding (as /findpartner records it).
            ask(day, ["UC install", "Underwater welding"], ["Underwater welding"]),
            ask(day, ["drone survey", "uc install", "apps"], ["drone survey", "apps"]),
            # Fully met, and fully unmet as recorded (its needs; its text when no needs were read).
            ask(day, ["uc install"], []),
            ask(day, ["underwater welding "], ["underwater welding "], unmet=True),
            ask(day, [], ["Quantum widgets"], unmet=True, text="Quantum widgets"),
            # Unmet asks recorded without unmet_needs (hand-built, bulk-loaded): their needs, else their text.
            ask(day, ["Drone survey"], [], unmet=True),
            ask(day, [], [], unmet=True, text="quantum widgets"),
            # Partly met, in the previous week and after the period.
            ask(START - timedelta(days=1), ["a", "b"], ["b"]),
            ask(END, ["welding", "phones"], ["welding"]),
        ])
    with session_scope(engine) as s:
        figures = compute_figures(s, start=START, end=END)
    assert figures["top_unmet_needs_counts"] == [
        {"name": "drone survey", "count": 2}, {"name": "quantum widgets", "count": 2},
        {"name": "underwater welding", "count": 2}, {"name": "apps", "count": 1}]
    assert figures["top_unmet_needs"] == ["drone survey", "quantum widgets", "underwater welding", "apps"]
    assert figures["asks"] == 7 and figures["unmet_asks"] == 4  # `unmet` stays "nothing matched"
    assert figures["partly_unmet_asks"] == 2
    assert figures["previous"]["partly_unmet_asks"] == 1 and figures["change"]["partly_unmet_asks"] == 1
    assert figures["top_capabilities"][0] == {"name": "uc install", "count": 3}


def test_participation_gaps(engine, week):
    with session_scope(engine) as s:
        figures = compute_figures(s, start=START, end=END)
    # Foxtrot idle for the quarter; Acme's profile untouched since January; one follow-up unanswered.
    assert figures["gaps"] == {"inactive_partners": 1, "stale_profiles": 1, "unanswered_introductions": 1}


def test_empty_database_gives_zeros(engine):
    with session_scope(engine) as s:
        figures = compute_figures(s, start=START, end=END)
    assert figures["asks"] == 0 and figures["total_partners"] == 0
    assert figures["participation_rate"] == 0.0
    assert figures["approval_hours_median"] is None
    assert figures["change"]["approval_hours_median"] is None
    assert figures["top_unmet_needs"] == []


def test_period_must_be_forward(engine):
    with session_scope(engine) as s, pytest.raises(ValueError):
        compute_figures(s, start=END, end=START)


def test_trend_counts_each_week(engine, week):
    with session_scope(engine) as s:
        series = trend(s, end=END, length=timedelta(days=7), periods=3)
    assert series["asks"] == [0, 1, 6]
    assert series["intro_requests"] == [0, 2, 4]
    assert series["introduced"] == [0, 1, 2]
    assert series["deals_won"] == [0, 0, 1]
    assert series["unmet_asks"] == [0, 0, 3]
    assert series["period_start"][-1] == START.isoformat()


def test_company_figures_are_that_company_only(engine, week):
    with session_scope(engine) as s:
        acme = company_figures(s, company_id=week["A"], start=START, end=END)
        bravo = company_figures(s, company_id=week["B"], start=START, end=END)
    assert acme["asks"] == 2 and acme["unmet_asks"] == 0
    assert acme["intro_requests_made"] == 3 and acme["intro_requests_received"] == 0
    assert acme["introduced"] == 2  # i1 and i7
    assert acme["deals_won"] == 1 and acme["deal_value"] == 5000.0  # Acme's own report, not Bravo's 7000
    assert bravo["asks"] == 2 and bravo["unmet_asks"] == 2
    assert bravo["intro_requests_received"] == 2  # i1 and i4
    assert bravo["deal_value"] == 7000.0 and bravo["no_fit"] == 1
    assert bravo["open_introductions"] == 3  # i1, i4 and the July one


def test_trend_is_one_query_and_days_add_up_to_weeks(engine, week):
    from sqlalchemy import event

    selects: list[str] = []

    def seen(conn, cursor, statement, *args):
        if statement.lstrip().upper().startswith(("SELECT", "WITH")):
            selects.append(statement)

    with session_scope(engine) as s:
        weekly = trend(s, end=END, length=timedelta(days=7), periods=3)
        event.listen(engine, "before_cursor_execute", seen)
        try:
            daily = trend(s, end=END, length=timedelta(days=1), periods=21)
        finally:
            event.remove(engine, "before_cursor_execute", seen)
    assert len(selects) == 1  # 21 periods, five series: one grouped query
    assert len(daily["asks"]) == 21 and daily["period_start"][-1] == (END - timedelta(days=1)).isoformat()
    for name in ("asks", "unmet_asks", "intro_requests", "introduced"):
        assert [sum(daily[name][i * 7:(i + 1) * 7]) for i in range(3)] == weekly[name], name
