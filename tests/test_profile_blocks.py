"""Profile Block Kit builders and input validation: limits hold for worst-case input, user
text is escaped."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import pytest

from bot import profiles as P
from bot.blocks import profile as B
from bot.blocks.limits import check_blocks, check_modal
from models.company import Company


def worst_case_company() -> Company:
    """Every field at its maximum, made of the characters that grow most when escaped."""
    item = "<&>" * (P.MAX_ITEM // 3) + "x" * (P.MAX_ITEM % 3)
    items = [f"{i:02d}{item}"[: P.MAX_ITEM] for i in range(P.MAX_ITEMS)]
    return Company(
        id=7, name="&" * P.MAX_NAME, name_key="x", partner_type="<" * P.MAX_PARTNER_TYPE,
        capabilities=items, industries=items, regions=items, certifications=items,
        description="<!channel>&" * (P.MAX_DESCRIPTION // 11), capacity="limited",
        website="https://example.com/" + "&" * (P.MAX_WEBSITE - 20), paused=True, paused_until=date(2027, 1, 15),
        updated_at=datetime(2026, 11, 2, tzinfo=UTC),
    )


def test_worst_case_card_is_within_limits():
    blocks = B.profile_card(worst_case_company(), today=date(2026, 11, 2))
    check_blocks(blocks)
    text = json.dumps(blocks)
    assert "<" not in text.replace("\\u003c", "")  # nothing left unescaped
    assert "Paused until 2027-01-15" in text
    assert "Limited capacity" in text


def test_card_escapes_mentions_and_links():
    company = Company(id=1, name="Acme <!channel>", name_key="acme", partner_type="ISV",
                      capabilities=["<@U123> ping", "<https://x|y>"], description="Call <!here> & co",
                      updated_at=datetime(2026, 11, 2, tzinfo=UTC))
    text = json.dumps(B.profile_card(company, today=date(2026, 11, 2)))
    assert "&lt;@U123&gt; ping" in text
    assert "&lt;https://x|y&gt;" in text
    assert "Call &lt;!here&gt; &amp; co" in text
    assert "<@U123>" not in text and "<!here>" not in text and "<https://x|y>" not in text
    # the header is plain_text: shown literally by Slack, no mrkdwn to escape
    assert B.profile_card(company)[0]["text"] == {"type": "plain_text", "text": "Acme <!channel>", "emoji": False}


def test_card_shows_active_and_resumed_pause():
    company = Company(id=1, name="Acme", name_key="acme", paused=True, paused_until=date(2026, 12, 1))
    assert "Paused until 2026-12-01" in json.dumps(B.profile_card(company, today=date(2026, 11, 30)))
    assert "Active" in json.dumps(B.profile_card(company, today=date(2026, 12, 1)))
    assert "Paused (until resumed)" in json.dumps(B.profile_card(Company(id=2, name="B", name_key="b", paused=True)))


def test_modal_within_limits_new_and_worst_case():
    for company in (None, worst_case_company()):
        view = B.profile_modal(company, errors={"name": "x" * 500, "website": "bad"})
        check_modal(view)
        assert len(view["title"]["text"]) <= 24
        ids = [b.get("block_id") for b in view["blocks"] if b["type"] == "input"]
        assert ids == ["company", "partner_type", "capabilities", "industries", "regions", "certifications",
                       "description", "capacity", "website", "contact_emails"]
        for block in view["blocks"]:
            element = block.get("element") or {}
            if "initial_value" in element:
                assert len(element["initial_value"]) <= element["max_length"]


def test_modal_prefills_and_keeps_an_imported_partner_type():
    company = Company(id=3, name="Acme", name_key="acme", partner_type="Telecom carrier", capabilities=["a", "b"],
                      capacity="full")
    view = B.profile_modal(company)
    blocks = {b.get("block_id"): b for b in view["blocks"]}
    assert blocks["capabilities"]["element"]["initial_value"] == "a\nb"
    assert blocks["partner_type"]["element"]["initial_option"]["value"] == "Telecom carrier"
    assert blocks["capacity"]["element"]["initial_option"]["value"] == "full"
    assert json.loads(view["private_metadata"]) == {"company_id": 3}
    assert blocks["partner_type"]["element"]["options"][-1]["value"] == "Other"


def test_saved_view_and_delete_confirmation_within_limits():
    company = worst_case_company()
    check_modal(B.saved_view(company, created=False, changed=list(P.FIELD_LABELS)))
    blocks = B.delete_confirmation_blocks(company)
    check_blocks(blocks)
    buttons = blocks[-1]["elements"]
    assert [b["action_id"] for b in buttons] == [B.DELETE_CONFIRM, B.DELETE_CANCEL]
    assert buttons[0]["value"] == "7"
    check_blocks(B.notice_blocks(B.USAGE))


def test_split_list_trims_and_dedupes():
    assert P.split_list(" UC install ;\nuc  INSTALL;; IP phones\r\n\n") == ["UC install", "IP phones"]
    assert P.split_list(None) == []


@pytest.mark.parametrize(("field", "value", "fragment"), [
    ("name", "", "required"),
    ("name", "x" * (P.MAX_NAME + 1), "at most"),
    ("partner_type", "Wizard", "from the list"),
    ("capabilities", ";".join(f"c{i}" for i in range(P.MAX_ITEMS + 1)), "at most"),
    ("industries", "y" * (P.MAX_ITEM + 1), "each item"),
    ("description", "d" * (P.MAX_DESCRIPTION + 1), "at most"),
    ("capacity", "busy", "one of"),
    ("website", "example.com", "http"),
    ("website", "https://exa mple.com", "http"),
    ("website", "javascript:alert(1)", "http"),
    ("website", "https://x.com/<a|b>", "http"),
])
def test_each_invalid_field_is_named(field, value, fragment):
    raw = {"name": "Acme", "partner_type": "ISV", "capacity": "open", field: value}
    data, errors = P.validate_profile(raw)
    assert data is None
    assert list(errors) == [field]
    assert fragment in errors[field]


def test_valid_profile_is_normalized():
    data, errors = P.validate_profile({"name": "  Acme   Phones ", "partner_type": "isv", "capacity": None,
                                       "capabilities": "a;b;A", "website": "https://acme.example/x?y=1"})
    assert errors == {}
    assert data.name == "Acme Phones" and data.partner_type == "ISV" and data.capacity == "open"
    assert data.capabilities == ["a", "b"] and data.website == "https://acme.example/x?y=1"


@pytest.mark.parametrize(("args", "expected"), [
    ("", None), ("until 2027-01-15", date(2027, 1, 15)), ("2027-01-15", date(2027, 1, 15)),
    ("UNTIL 2026-11-03", date(2026, 11, 3)),
])
def test_pause_args(args, expected):
    assert P.parse_pause_args(args, today=date(2026, 11, 2)) == expected


@pytest.mark.parametrize(("args", "fragment"), [
    ("until", "until when"), ("until tomorrow", "not a date"), ("2027-02-30", "not a real date"),
    ("2026-11-02", "not in the future"), ("2020-01-01", "not in the future"), ("15/01/2027", "not a date"),
])
def test_pause_args_errors(args, fragment):
    with pytest.raises(P.ProfileError, match=fragment):
        P.parse_pause_args(args, today=date(2026, 11, 2))
