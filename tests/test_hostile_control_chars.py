"""Issue 13.6: NUL bytes and other control characters, on SQLite and PostgreSQL (which refuses
NUL in text); and whatever breaks after the acknowledgement, the user is told."""

from __future__ import annotations

import io
import json

from sqlmodel import select

from bot.blocks.notices import SOMETHING_WRONG
from bot.csv_io import import_partners_cli
from models.ask import Ask
from models.company import Company, get_company_for_user
from models.db import session_scope
from tests import scenarios as S
from tests.test_partnerprofile import state


def test_an_ask_with_a_nul_byte_is_answered(bot_any_db):
    bot = bot_any_db
    S.seed_world(bot.engine)
    reply = bot.slack.command("/findpartner", "cisco uc\x00 install\x1b[31m in tucson", user_id=S.REQUESTER)
    assert reply.status == 200
    final = bot.fake.wait_for_response(1, timeout=15)[-1]
    assert "Phoenix UC Installers" in json.dumps(final), final
    with session_scope(bot.engine) as s:
        texts = [a.text for a in s.exec(select(Ask)).all()]
    assert "cisco uc install[31m in tucson" in texts


def test_a_profile_field_with_a_nul_byte_is_saved_clean(bot_any_db):
    bot = bot_any_db
    reply = bot.slack.view_submission("profile_modal", state(company="Nul\x00 Byte Co", description="a\x00b\x07c"),
                                      user_id="U0PARTNER1")
    assert reply.status == 200, reply.text
    with session_scope(bot.engine) as s:
        company = get_company_for_user(s, slack_user_id="U0PARTNER1")
        assert company is not None
        assert (company.name, company.description) == ("Nul Byte Co", "abc")


def test_a_csv_row_with_a_nul_byte_imports_with_the_rest(engine, tmp_path):
    path = tmp_path / "partners.csv"
    path.write_text("company,capabilities,description\nGood One,apps,fine\nNul\x00 Co,uc\x00 install,x\x00y\n"
                    "Good Two,apps,fine\n", encoding="utf-8")
    out, err = io.StringIO(), io.StringIO()
    assert import_partners_cli(engine, str(path), quiet=True, out=out, err=err) == 0, err.getvalue()
    with session_scope(engine) as s:
        names = sorted(c.name for c in s.exec(select(Company)).all())
        nul = s.exec(select(Company).where(Company.name == "Nul Co")).one()
    assert names == ["Good One", "Good Two", "Nul Co"]
    assert (nul.capabilities, nul.description) == (["uc install"], "xy")


def test_an_unexpected_error_after_the_ack_is_told_to_the_user(bot, monkeypatch):
    import handlers.commands.findpartner as findpartner

    def broken(*args, **kwargs):
        raise RuntimeError("something nobody foresaw")

    monkeypatch.setattr(findpartner, "answer_ask", broken)
    reply = bot.slack.command("/findpartner", "cisco uc install", user_id=S.REQUESTER)
    assert reply.status == 200
    told = bot.fake.wait_for_response(1, timeout=10)
    assert any(SOMETHING_WRONG in (r.get("text") or "") for r in told), told


def test_an_unexpected_error_before_the_ack_is_told_to_the_user(bot, monkeypatch):
    import handlers.views.profile_modal as profile_modal

    def broken(*args, **kwargs):
        raise RuntimeError("something nobody foresaw")

    monkeypatch.setattr(profile_modal, "read_state", broken)
    reply = bot.slack.view_submission("profile_modal", state(), user_id="U0PARTNER1")
    assert reply.status == 200
    assert reply.json()["view"]["blocks"][0]["text"]["text"] == SOMETHING_WRONG
