"""Outside contacts (work emails) on a profile: the form, `/partnerprofile show`, the CSV and
deletion. They are personal data: only the company itself and managers ever see them."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime

import pytest

from bot import profiles as P
from bot.blocks.limits import check_blocks
from bot.csv_io import export_partners_cli, import_partners_cli
from models.company import get_company_by_name
from models.db import session_scope
from models.shared_invite import SharedInvite
from tests.conftest import MANAGER
from tests.test_partnerprofile import GOOD, OTHER, OWNER, company_named, create_profile, last_response, submit

EMAILS = "Dana@Calence.example\nlee@calence.example; dana@CALENCE.example"


@pytest.mark.parametrize("raw, expected", [
    ("", []),
    ("a@b.example", ["a@b.example"]),
    ("Dana@Calence.EXAMPLE , x.y+z@sub.b.example", ["Dana@calence.example", "x.y+z@sub.b.example"]),
])
def test_parse_contact_emails(raw, expected):
    assert P.parse_contact_emails(raw) == (expected, None)


@pytest.mark.parametrize("bad", ["dana", "dana@localhost", "@calence.example", "dana@@calence.example",
                                 "=HYPERLINK(x)@evil.example", "dana@-calence.example", "a b@c.example"])
def test_malformed_emails_are_refused(bad):
    emails, error = P.parse_contact_emails(f"ok@fine.example;{bad}")
    assert error is not None and "is not an email address" in error


def test_form_saves_contacts_and_shows_them_only_to_the_company_and_managers(bot):
    company = create_profile(bot, contact_emails=EMAILS)
    assert company.contact_emails == ["Dana@calence.example", "lee@calence.example"]
    bot.slack.command("/partnerprofile", "show", user_id=OWNER)
    own = last_response(bot, 1)
    check_blocks(own["blocks"])
    assert "Dana@calence.example" in json.dumps(own["blocks"])

    bot.slack.command("/partnerprofile", f"show {GOOD['company']}", user_id=OTHER)
    other = last_response(bot, 2)
    assert GOOD["company"] in json.dumps(other["blocks"])
    assert "calence.example" not in json.dumps(other) and "Outside contacts" not in json.dumps(other)

    bot.slack.command("/partnerprofile", f"show {GOOD['company']}", user_id=MANAGER)
    assert "lee@calence.example" in json.dumps(last_response(bot, 3)["blocks"])


def test_form_reports_a_bad_address_inline_and_keeps_nothing(bot):
    reply = submit(bot, contact_emails="dana@calence.example\nnot-an-address")
    body = reply.json()
    assert body["response_action"] == "errors"
    assert "not-an-address" in body["errors"]["contact_emails"]
    assert company_named(bot, GOOD["company"]) is None


CSV = (
    "company,partner_type,capabilities,contact_emails\r\n"
    "Calence,Installer,UC installation,dana@calence.example;lee@calence.example\r\n"
    "Broken Co,ISV,apps,dana@calence.example;nope\r\n"
    "Quiet Co,ISV,apps,\r\n"
)


def test_csv_imports_contacts_reports_bad_line_and_exports_them(engine, tmp_path):
    path = tmp_path / "p.csv"
    path.write_text(CSV, encoding="utf-8")
    out, err = io.StringIO(), io.StringIO()
    assert import_partners_cli(engine, str(path), quiet=True, out=out, err=err) == 1
    assert "line 3: contact_emails: “nope” is not an email address" in err.getvalue()
    with session_scope(engine) as session:
        assert get_company_by_name(session, name="calence").contact_emails == ["dana@calence.example",
                                                                               "lee@calence.example"]
        assert get_company_by_name(session, name="Quiet Co").contact_emails == []
        assert get_company_by_name(session, name="Broken Co") is None
    target = tmp_path / "out.csv"
    assert export_partners_cli(engine, str(target), out=io.StringIO()) == 0
    lines = target.read_text(encoding="utf-8").splitlines()
    assert lines[0].endswith(",contact_emails")
    assert lines[1].endswith(",dana@calence.example;lee@calence.example")


def test_deletion_erases_contacts_and_their_invitations(engine):
    from models.ask import Ask
    from models.company import Company, Member
    from models.introduction import Introduction

    now = datetime(2026, 11, 2, tzinfo=UTC)
    with session_scope(engine) as session:
        gone = Company(name="Gone", name_key="gone", contact_emails=["dana@gone.example"])
        peer = Company(name="Peer", name_key="peer")
        session.add_all([gone, peer])
        session.flush()
        ask = Ask(asker_user_id="U0PEER0001", company_id=peer.id, text="x")
        session.add(ask)
        session.flush()
        intro = Introduction(ask_id=ask.id, requester_user_id="U0PEER0001", requester_company_id=peer.id,
                             target_company_id=gone.id, state="consent_declined", consent_answer="declined",
                             consent_by="U0GONE0001", consent_reason="we are too busy with Acme")
        session.add(intro)
        session.flush()
        session.add(Member(slack_user_id="U0GONE0001", company_id=gone.id))
        session.add(SharedInvite(introduction_id=intro.id, company_id=gone.id, email="dana@gone.example",
                                 state="accepted"))
        session.add(SharedInvite(introduction_id=intro.id, company_id=gone.id, email="lee@gone.example",
                                 state="pending"))
        gone_id = gone.id
    with session_scope(engine) as session:
        P.delete_profile(session, company_id=gone_id, actor=MANAGER, is_manager=True, now=now)
    with session_scope(engine) as session:
        assert session.get(Company, gone_id).contact_emails == []
        accepted, pending = session.query(SharedInvite).order_by(SharedInvite.id).all()
        assert "gone.example" not in accepted.email + pending.email
        assert accepted.state == "accepted" and pending.state == "skipped"  # never sent now
        declined = session.query(Introduction).one()
        assert declined.consent_by == "deleted-user" and declined.consent_reason is None
        assert declined.consent_answer == "declined"  # still counted


def test_card_with_the_longest_contacts_stays_within_block_kit_limits():
    from bot.blocks import profile as B
    from tests.test_profile_blocks import worst_case_company

    company = worst_case_company()
    company.contact_emails = [f"{i}{'x' * (P.MAX_EMAIL - 20)}@a.example" for i in range(P.MAX_CONTACT_EMAILS)]
    check_blocks(B.profile_card(company, contacts=True))
    assert "a.example" not in json.dumps(B.profile_card(company))
