"""Promise: text that partners type is shown as text. Whatever they type — any Unicode,
very long text, empty fields, control characters, mrkdwn and mentions — the bot never
crashes, never exceeds a Block Kit limit, and never lets a special mention, a user or
channel mention, or a link through unescaped in a mrkdwn text object.

Hostile inputs carry canaries (`<!channel>`, `<@UEVIL…>`, `<#CEVIL…>`, `<https://evil.example|…>`)
so the checker can tell markup the bot made itself (a mention of a real requester, a
permalink) from markup a partner typed.
"""

from __future__ import annotations

import os
import re
from datetime import UTC, date, datetime

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from bot.blocks.limits import check_blocks, check_modal
from tests import slack_rules
from models.ask import Ask
from models.company import Company, company_key

# PROMISES_EXAMPLES=500 for a deeper hunt than CI's.
settings.register_profile("promises", max_examples=int(os.environ.get("PROMISES_EXAMPLES", "30")), deadline=None,
                          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
PROPS = settings.get_profile("promises")

TODAY = date(2026, 11, 2)
NOW = datetime(2026, 11, 2, 9, tzinfo=UTC)

CANARIES = ["<!channel>", "<!here>", "<!everyone>", "<@UEVIL01>", "<#CEVIL01|general>", "<https://evil.example|y>",
            "<http://evil.example>", "<!subteam^SEVIL01>", "<mailto:evil@evil.example|mail>", "*bold*", "_it_",
            "~s~", "`code`", "```block```", "&lt;!channel&gt;", "&amp;", "<", ">", "&", "\u202e", "\x00", "\x1b[31m",
            "\r\n", "\t", "👩‍💻", "\ufeff", "ﷺ" * 3]

# Anything a partner can type: canaries, arbitrary Unicode (control characters included),
# empty text, and very long text.
hostile_text = st.one_of(
    st.just(""),
    st.text(alphabet=st.characters(categories=["Cc", "Cf", "Zs"]), min_size=1, max_size=6),  # shows as nothing
    st.sampled_from(CANARIES),
    st.text(max_size=60),
    st.lists(st.one_of(st.sampled_from(CANARIES), st.text(max_size=12)), max_size=12).map("".join),
    st.lists(st.sampled_from(CANARIES), min_size=300, max_size=1200).map(" ".join),
)
short_hostile = st.lists(st.one_of(st.sampled_from(CANARIES), st.text(max_size=8)), max_size=6).map("".join)

# `<!date^…>` is the bot's own date formatting; every other `<!…>` is a special mention.
BAD_MARKUP = re.compile(r"<(?:!(?!date\^)|@UEVIL|#CEVIL|https?://evil|mailto:evil)", re.IGNORECASE)


def mrkdwn_texts(node):
    """Every mrkdwn text in blocks, views and messages (walks any nesting)."""
    if isinstance(node, dict):
        if node.get("type") == "mrkdwn" and isinstance(node.get("text"), str):
            yield node["text"]
        for key, value in node.items():
            if key == "text" and isinstance(value, str) and node.get("type") not in ("plain_text", "mrkdwn"):
                yield value  # a message's top-level text is mrkdwn too
            else:
                yield from mrkdwn_texts(value)
    elif isinstance(node, list):
        for item in node:
            yield from mrkdwn_texts(item)


def assert_escaped(node) -> None:
    for text in mrkdwn_texts(node):
        found = BAD_MARKUP.search(text)
        assert found is None, f"unescaped markup {found.group(0)!r} in mrkdwn: {text[:300]!r}"


def test_checker_catches_unescaped_markup():
    with pytest.raises(AssertionError):
        assert_escaped([{"type": "section", "text": {"type": "mrkdwn", "text": "hi <!channel>"}}])
    with pytest.raises(AssertionError):
        assert_escaped({"text": "see <https://evil.example|here>", "blocks": []})
    assert_escaped([{"type": "section", "text": {"type": "mrkdwn", "text": "hi &lt;!channel&gt; <@U0PARTNER1>"}},
                    {"type": "header", "text": {"type": "plain_text", "text": "<!channel>"}}])


def check_message(blocks, text: str | None = None) -> None:
    check_blocks(blocks)
    assert slack_rules.check_blocks(blocks) == []  # what Slack itself refuses (tests/slack_rules.py)
    assert_escaped(blocks)
    if text is not None:
        assert len(text) <= 40000
        assert_escaped({"text": text})  # the fallback text is mrkdwn too: it notifies and pings


def check_view(view) -> None:
    check_modal(view)
    assert slack_rules.check_view(view, method="views.publish" if view.get("type") == "home" else "views.open") == []
    assert_escaped(view)


# -- profiles: validation and every profile builder ---------------------------------------------
profile_raw = st.fixed_dictionaries({
    "name": hostile_text, "partner_type": hostile_text, "capabilities": hostile_text, "industries": hostile_text,
    "regions": hostile_text, "certifications": hostile_text, "description": hostile_text,
    "capacity": st.one_of(st.sampled_from(["open", "limited", "full"]), hostile_text),
    "website": st.one_of(st.just("https://partner.example/about"), hostile_text),
})


def company_from(data, *, cid: int = 7) -> Company:
    values = data.as_dict() if hasattr(data, "as_dict") else dict(data)
    name = values.pop("name")
    return Company(id=cid, name=name, name_key=company_key(name), **values)


@PROPS
@given(raw=profile_raw)
@example(raw={"name": "Acme", "partner_type": "ISV", "capabilities": "uc", "industries": "", "regions": "",
              "certifications": "", "description": "\x01\x07", "capacity": "open", "website": ""})
def test_profile_fields_never_break_the_profile_builders(raw):
    from bot import profiles as P
    from bot.blocks import profile as B

    data, errors = P.validate_profile(raw)
    if errors:
        view = B.profile_modal(None, errors=errors)
        check_view(view)
        return
    company = company_from(data)
    check_message(B.profile_card(company, today=TODAY))
    check_view(B.profile_modal(company))
    check_view(B.saved_view(company, created=True, changed=list(raw), today=TODAY))
    check_message(B.delete_confirmation_blocks(company))
    assert_escaped({"text": B.status_text(company, today=TODAY)})


@PROPS
@given(text=hostile_text)
def test_notices_escape_what_they_quote(text):
    from bot.blocks import profile as B
    from bot.text import safe

    check_message(B.notice_blocks(f"There is no partner profile named “{safe(text, 100)}”."))


# -- CSV rows ----------------------------------------------------------------------------------
csv_cell = st.one_of(hostile_text, st.sampled_from(['"', '""', '",', "\n", "\r", ",", ";;", "a\"b"]))


@PROPS
@given(rows=st.lists(st.lists(csv_cell, min_size=0, max_size=12), max_size=6),
       header=st.permutations(["company", "partner_type", "capabilities", "industries", "regions",
                               "certifications", "description", "slack_user_id", "capacity", "website"]))
def test_csv_rows_never_crash_the_parser_and_import_as_text(rows, header):
    import csv
    import io

    from bot import csv_io
    from bot.blocks import profile as B

    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    for row in rows:
        writer.writerow(row)
    result = csv_io.parse_rows(out.getvalue())
    for error in result.errors:
        assert error.line >= 2
    for n, row in enumerate(result.rows):
        company = company_from({k: v for k, v in vars(row.data).items()} if hasattr(row, "data") and
                               not isinstance(row.data, dict) else row.data, cid=n + 1) \
            if hasattr(row, "data") else None
        if company is not None:
            check_message(B.profile_card(company, today=TODAY))


@PROPS
@given(raw=st.binary(max_size=400))
def test_arbitrary_csv_bytes_never_crash_the_parser(raw):
    from bot import csv_io

    text = raw.decode("utf-8", "replace")
    csv_io.parse_rows("company,capabilities\n" + text)


# -- asks: parse, rank and render ---------------------------------------------------------------
@pytest.fixture(scope="module")
def directory(tmp_path_factory):
    """A small directory whose profiles are themselves hostile."""
    from bot.matching.directory import Directory
    from models.db import make_engine, session_scope, upgrade

    path = tmp_path_factory.mktemp("props") / "props.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    with session_scope(engine) as s:
        for i, canary in enumerate(CANARIES[:12]):
            name = f"Partner {i} {canary}"[:80]
            s.add(Company(name=name, name_key=company_key(name), partner_type=f"installer {canary}"[:60],
                          capabilities=[f"unified communications {canary}", "cisco uc install", f"{canary} k8s"],
                          industries=[f"restaurants {canary}"], regions=["Arizona", f"Tucson {canary}"[:80]],
                          certifications=[f"Cisco Gold {canary}"], description=f"We do UC {canary}" * 10))
    yield Directory(engine)
    engine.dispose()


ask_text = st.one_of(hostile_text, st.builds(lambda a, b: f"cisco uc install {a} in tucson {b}", short_hostile,
                                               short_hostile))


@PROPS
@given(text=ask_text, region=st.one_of(st.none(), short_hostile), industry=st.one_of(st.none(), short_hostile))
def test_any_ask_text_ranks_and_renders_safely(directory, text, region, industry):
    from bot.blocks import matches as M

    ranking = directory.rank(text, today=TODAY, top=5, region=region, industry=industry)
    for match in ranking.matches:
        assert 0 <= match.score <= 100
    fallback, blocks = M.results_message(ask_id=1, ranking=ranking, linked={m.company_id for m in ranking.matches})
    check_message(blocks, fallback)
    fallback, blocks = M.no_match_message(text, ranking.needs)
    check_message(blocks, fallback)
    fallback, blocks = M.results_message(ask_id=1, ranking=ranking, linked=set(), asker_has_profile=False)
    check_message(blocks, fallback)


@PROPS
@given(fields=st.fixed_dictionaries({"need": hostile_text, "industry": hostile_text, "region": hostile_text,
                                     "context": hostile_text, "timing": hostile_text}))
def test_structured_ask_modal_round_trip(fields):
    from bot.blocks import matches as M

    check_view(M.ask_modal(private_metadata="{}"))
    values = {block_id: {M.FIELD_ACTION: {"type": "plain_text_input", "value": value}}
              for block_id, value in fields.items() if block_id != "timing"}
    values["timing"] = {M.FIELD_ACTION: {"type": "static_select", "selected_option": {"value": fields["timing"]}}}
    read, errors = M.read_ask_modal(values)
    if not errors:
        assert M.modal_ask_text(read)


# -- introductions, follow-ups, digest, home, nudges, stats --------------------------------------
def hostile_company(cid: int, name: str, text: str) -> Company:
    return Company(id=cid, name=(name or "x")[:80], name_key=company_key(name or "x"), partner_type=text[:60],
                   capabilities=[text[:80]] * 3, industries=[text[:80]], regions=[text[:80]],
                   certifications=[text[:80]], description=text[:1500], website=None)


@PROPS
@given(name_a=hostile_text, name_b=hostile_text, text=hostile_text, reasons=st.lists(hostile_text, max_size=8),
       reason=hostile_text, value=st.one_of(st.none(), st.floats(allow_nan=False, allow_infinity=False)))
def test_introduction_builders_escape_partner_text(name_a, name_b, text, reasons, reason, value):
    from bot.blocks import intro as I

    a, b = hostile_company(1, name_a, text), hostile_company(2, name_b, text)
    ask = Ask(id=3, asker_user_id="U0PARTNER1", company_id=1, text=text[:3000] or "x", industry=text[:200],
              region=text[:200], context=text[:3000], timing=text[:200], needs=[text[:100]])
    common = dict(intro_id=9, ask=ask, requester=a, target=b, requester_user_id="U0PARTNER1", score=87.5,
                  reasons=reasons)
    for build in (I.approval_request,):
        blocks = _call(build, **common)
        check_message(blocks)
    blocks = _call(I.approval_decided, **common, manager_id="U0MANAGER1", at=NOW, approved=False, reason=reason)
    check_message(blocks)
    check_view(_call(I.decline_reason_modal, intro_id=9, target_name=b.name))
    blocks = _call(I.intro_message, intro_id=9, ask=ask, requester=a, target=b, requester_user_ids=["U0PARTNER1"],
                   target_user_ids=["U0PARTNER2"], reasons=reasons, score=87.5, rules=text, manager_id="U0MANAGER1")
    check_message(blocks)
    check_message(I.intro_message_closed(blocks, company_name=b.name, user_id="U0PARTNER2", at=NOW))
    assert_escaped({"text": I.approval_text(a.name, b.name)})
    assert len(I.intro_topic(a.name, b.name)) <= 250
    check_message(I.followup_message(intro_id=9, other_name=b.name, days=14))
    check_message(I.followup_message(intro_id=9, other_name=b.name, days=21, reminder=True))
    for outcome in ("working_together", "deal_won", "no_fit"):
        check_message(I.followup_answered(other_name=b.name, outcome=outcome, deal_value=value))
    check_view(I.deal_value_modal(private_metadata='{"intro_id":9}', other_name=b.name))


def _call(fn, **kwargs):
    """Call a builder with the keyword arguments it takes (builders differ in their extras)."""
    import inspect

    params = inspect.signature(fn).parameters
    missing = [n for n, p in params.items() if p.default is inspect.Parameter.empty and n not in kwargs
               and p.kind == p.KEYWORD_ONLY]
    assert not missing, f"{fn.__name__} needs {missing}: update the property test"
    return fn(**{k: v for k, v in kwargs.items() if k in params})


@pytest.fixture(scope="module")
def metrics_ctx(tmp_path_factory):
    from bot.clock import FakeClock
    from bot.config import Settings
    from bot.context import BotContext
    from models.db import make_engine, upgrade

    path = tmp_path_factory.mktemp("metrics") / "metrics.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    ctx = BotContext(settings=Settings(managers=frozenset({"U0MANAGER1"})), engine=engine, client=None,
                     clock=FakeClock(NOW))
    yield ctx
    engine.dispose()


_seeded = iter(range(10**6))


def seed_hostile_activity(ctx, text: str) -> tuple[str, str]:
    """Two hostile companies, an unmet ask and an introduction between them; their users."""
    from datetime import timedelta

    from models.company import Member
    from models.db import session_scope
    from models.introduction import Introduction

    n = next(_seeded)
    user_a, user_b = f"U0A{n:07d}", f"U0B{n:07d}"
    with session_scope(ctx.engine) as s:
        ids = []
        for i, user in enumerate((user_a, user_b)):
            name = f"{text[:70]} {n}-{i}"
            company = Company(name=name, name_key=company_key(name), partner_type=text[:60],
                              capabilities=[text[:80] or "x"], industries=[text[:80] or "x"],
                              regions=[text[:80] or "x"], description=text[:1500], updated_at=NOW - timedelta(days=200))
            s.add(company)
            s.flush()
            s.add(Member(slack_user_id=user, company_id=company.id))
            ids.append(company.id)
        ask = Ask(asker_user_id=user_a, company_id=ids[0], text=text[:3000] or "x", needs=[text[:100] or "x"],
                  unmet=True, results=[], created_at=NOW - timedelta(days=1))
        s.add(ask)
        s.flush()
        s.add(Introduction(ask_id=ask.id, requester_user_id=user_a, requester_company_id=ids[0],
                           target_company_id=ids[1], state="introduced", reasons=[text[:200]], decided_by="U0MANAGER1",
                           decided_at=NOW - timedelta(hours=20), introduced_at=NOW - timedelta(hours=19),
                           channel_id="C0INTRO01", created_at=NOW - timedelta(days=1)))
        s.add(Introduction(ask_id=ask.id, requester_user_id=user_a, requester_company_id=ids[0],
                           target_company_id=ids[0], state="requested", reasons=[text[:200]],
                           created_at=NOW - timedelta(hours=2)))
    return user_a, user_b


@settings(PROPS, max_examples=max(5, PROPS.max_examples // 2))
@given(text=hostile_text)
def test_digest_stats_home_and_nudges_escape_partner_text(metrics_ctx, text):
    """Built from real figures over hostile data: the digest, /partnerstats, App Home, nudges."""
    from datetime import timedelta

    from bot.blocks import digest as D
    from bot.blocks import nudge as N
    from bot.metrics.figures import compute_figures
    from bot.metrics.home import build_home
    from bot.metrics.stats import partnerstats
    from models.db import session_scope

    user_a, user_b = seed_hostile_activity(metrics_ctx, text)
    with session_scope(metrics_ctx.engine) as s:
        figures = compute_figures(s, start=NOW - timedelta(days=7), end=NOW + timedelta(hours=1))
    check_message(D.digest_blocks(figures), D.digest_text(figures))
    for user in ("U0MANAGER1", user_a, user_b, "U0NOBODY01"):
        check_view(build_home(metrics_ctx, user_id=user))
        fallback, blocks = partnerstats(metrics_ctx, user_id=user, days=7)
        check_message(blocks, fallback)
    check_message(N.nudge_blocks(company_id=1, company_name=text or "x", kinds=["stale", "never_active"]))
    assert_escaped({"text": N.nudge_text(text or "x")})
