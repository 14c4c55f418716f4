"""Issue 13.2: one absurd deal value must not break the program's figures.

The deal-value modal accepts money only (0..10^12, two decimals) with an inline error
otherwise; a row written before that bound (1e308) is left out of every sum, so no aggregate
can overflow on PostgreSQL or become Infinity on SQLite; and `digest --json` / `match --json`
print standard JSON only.
"""

from __future__ import annotations

import io
import json
import re

import pytest

from bot.introductions.service import DEAL_VALUE_HINT, parse_deal_value
from bot.jsonout import dumps
from bot.metrics.cli import digest_cli
from bot.metrics.figures import company_figures, compute_figures
from models.db import session_scope
from tests.metrics_data import END, EXPECTED, START, build_week, outcome, t
from tests.slackrequests import text_value


def strict_json(text: str):
    def refuse(name):
        raise ValueError(f"not standard JSON: {name}")

    return json.loads(text, parse_constant=refuse)


@pytest.mark.parametrize("raw", ["1e308", "1e5", "inf", "-inf", "nan", "NaN", "-5", "10000000000000",
                                 "1000000000000.01", "1.234", "1_000", "0x10", "12abc", "٣"])
def test_implausible_deal_values_are_refused(raw):
    with pytest.raises(ValueError):
        parse_deal_value(raw)


@pytest.mark.parametrize(("raw", "value"), [("$25,000.50", 25000.5), (" 1 000 ", 1000.0), ("0", 0.0),
                                            ("1000000000000", 1e12), ("€99.9", 99.9), ("", None)])
def test_plausible_deal_values_are_read(raw, value):
    assert parse_deal_value(raw) == value


def test_the_modal_answers_an_absurd_value_with_an_inline_error(bot):
    for raw in ("1e308", "99999999999999999", "12.345"):
        reply = bot.slack.view_submission("intro_deal_value", {"deal_value": {"deal_value": text_value(raw)}},
                                          user_id="U0PARTNER2", private_metadata=json.dumps({"intro_id": 1}))
        assert reply.json() == {"response_action": "errors", "errors": {"deal_value": DEAL_VALUE_HINT}}, raw


def _with_absurd_rows(engine) -> None:
    """The known week, plus two rows stored before deal values were bounded."""
    ids = build_week(engine)
    from sqlmodel import select

    from models import Introduction

    with session_scope(engine) as s:
        intros = s.exec(select(Introduction).order_by(Introduction.id)).all()
        company = type("C", (), {"id": ids["B"]})
        other = type("C", (), {"id": ids["C"]})
        outcome(s, intros[3], company, "deal_won", t(11, 8, 1), 1e308)  # intro 4: C asked B
        outcome(s, intros[3], other, "deal_won", t(11, 8, 2), 1e308)


def test_absurd_stored_values_do_not_overflow_the_figures(engine):
    _with_absurd_rows(engine)
    with session_scope(engine) as session:
        figures = compute_figures(session, start=START, end=END)
        mine = company_figures(session, company_id=1, start=START, end=END)
        theirs = company_figures(session, company_id=2, start=START, end=END)
    assert figures["deal_value"] == EXPECTED["deal_value"]  # the absurd rows are not counted
    assert figures["deals_won"] == EXPECTED["deals_won"] + 1  # ... but the answer is
    assert mine["deal_value"] == 5000.0 and theirs["deal_value"] == 7000.0
    strict_json(dumps(figures))


def test_digest_json_is_standard_json(make_bot, db_url):
    bot = make_bot(db_url)
    _with_absurd_rows(bot.engine)
    bot.clock.set(t(11, 9, 15))
    out = io.StringIO()
    assert digest_cli(bot.ctx, days=7, as_json=True, post=False, out=out) == 0
    data = strict_json(out.getvalue())
    assert data["deal_value"] == EXPECTED["deal_value"]


def test_partnerstats_and_the_managers_home_still_show_figures(make_bot, db_url):
    from tests.conftest import MANAGER

    bot = make_bot(db_url)
    _with_absurd_rows(bot.engine)
    bot.clock.set(t(11, 9, 15))
    reply = bot.slack.command("/partnerstats", "7", user_id=MANAGER)
    assert reply.status == 200
    final = bot.fake.wait_for_response(1, timeout=15)[-1]
    # The figures are shown (not "Counting…" forever), with the plausible value only.
    assert final["text"].startswith("Partner program"), final
    shown = json.dumps(final)
    assert re.search(r"\$?7(,000|\.0k|k)\b", shown, re.I), shown
    assert "inf" not in shown.lower().replace("info", "")
    bot.slack.event({"type": "app_home_opened", "user": MANAGER, "tab": "home", "channel": "D0HOME0001"})
    published = bot.fake.wait_for("views.publish", 1, timeout=15)
    assert "Deal value" in json.dumps(published[-1].args["view"])


def test_json_helper_never_writes_nan_or_infinity():
    assert strict_json(dumps({"a": float("inf"), "b": [float("nan"), 1.5], "c": (float("-inf"),)})) == {
        "a": None, "b": [None, 1.5], "c": [None]}
