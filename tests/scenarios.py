"""The product's user actions, driven end to end over signed HTTP requests (and the jobs
runner), for the promise tests: each scenario prepares a world, then performs ONE action
whose Slack side effects the tests count.

The world is seeded with rows (companies, members, an ask with results) so that the
scenarios depend only on the product's contracts (action ids, callback ids, the
`request_intro` value), not on another part's internals.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta

from models.ask import Ask
from models.company import Company, Member, company_key
from models.db import session_scope
from tests.conftest import MANAGER

REQUESTER = "U0PARTNER1"
TARGET_USER = "U0PARTNER2"
APPROVALS = "C0APPROVAL"


# -- seeding -----------------------------------------------------------------------------
def seed_company(engine, *, name: str, user: str | None, capabilities=("unified communications installation",),
                 regions=("Arizona",), partner_type="installer", description="") -> int:
    with session_scope(engine) as s:
        company = Company(name=name, name_key=company_key(name), partner_type=partner_type,
                          capabilities=list(capabilities), industries=["restaurants"], regions=list(regions),
                          certifications=["Cisco Gold Certified"], description=description or f"{name} does UC.")
        s.add(company)
        s.flush()
        if user:
            s.add(Member(slack_user_id=user, company_id=company.id))
        return company.id


def seed_ask(engine, *, asker: str, company_id: int | None, targets: list[int], text: str = "cisco uc install") -> int:
    with session_scope(engine) as s:
        ask = Ask(asker_user_id=asker, company_id=company_id, text=text, needs=["unified communications"],
                  results=[{"company_id": t, "score": 88.0, "reasons": ["unified communications ≈ 'UC'"], "covers": []}
                           for t in targets], matches_shown=len(targets))
        s.add(ask)
        s.flush()
        return ask.id


@dataclass
class World:
    requester_company: int
    target_companies: list[int]
    ask_id: int


def seed_world(engine, *, targets: int = 1) -> World:
    requester = seed_company(engine, name="Dallas Phone Apps", user=REQUESTER, partner_type="ISV",
                             capabilities=("IP phone apps",), regions=("Texas",))
    target_ids = [seed_company(engine, name=f"Phoenix UC Installers {i}", user=TARGET_USER if i == 0 else f"U0TARGET{i:02d}")
                  for i in range(targets)]
    ask_id = seed_ask(engine, asker=REQUESTER, company_id=requester, targets=target_ids)
    return World(requester, target_ids, ask_id)


# -- reading what the bot posted ----------------------------------------------------------
def walk_elements(blocks) -> Iterator[dict]:
    for block in blocks or []:
        if not isinstance(block, dict):
            continue
        yield block
        for key in ("elements", "fields"):
            for element in block.get(key) or []:
                if isinstance(element, dict):
                    yield element
        if isinstance(block.get("accessory"), dict):
            yield block["accessory"]
        if isinstance(block.get("element"), dict):
            yield block["element"]


def buttons(fake, action_id: str, *, calls=None, responses=None) -> list[tuple[object, dict]]:
    """(call, button) for every posted button with `action_id`, oldest first."""
    found = []
    for call in list(fake.calls if calls is None else calls):
        blocks = call.args.get("blocks") or (call.args.get("view") or {}).get("blocks")
        for element in walk_elements(blocks):
            if element.get("action_id") == action_id and element.get("type") == "button":
                found.append((call, element))
    for response in list(fake.responses if responses is None else responses):
        for element in walk_elements(response.get("blocks")):
            if element.get("action_id") == action_id and element.get("type") == "button":
                found.append((response, element))
    return found


def answered_counts(fake) -> Counter:
    """Web API calls that Slack answered (a dropped or failed call is not an effect), by method;
    response_url posts count under "response_url"."""
    counts = Counter(c.method for c in fake.calls if "_answer" in c.args and c.method != "auth.test")
    counts["response_url"] = len(fake.responses)
    return +counts


def message_of(call) -> dict:
    answer = call.args.get("_answer") or {}
    return {"ts": answer.get("ts", "1800000000.000001"), "text": call.args.get("text", ""),
            "blocks": call.args.get("blocks") or []}


# -- scenarios ------------------------------------------------------------------------------
@dataclass
class Scenario:
    name: str
    prepare: Callable  # (bot) -> state
    act: Callable  # (bot, state) -> Reply | None  (the one user action)
    methods: tuple[str, ...]  # the Web API methods the action calls (faults are injected on each)


def _request(bot, world: World, target_index: int = 0, user: str = REQUESTER):
    value = json.dumps({"ask_id": world.ask_id, "company_id": world.target_companies[target_index]})
    return bot.slack.block_action("request_intro", value, user_id=user)


def _approval_message(bot, timeout: float = 10.0):
    bot.fake.wait_for("chat.postMessage", 1, where=lambda c: c.args.get("channel") == APPROVALS and "_answer" in c.args,
                      timeout=timeout)
    bot.fake.settle(quiet=0.3)
    found = [(c, b) for c, b in buttons(bot.fake, "intro_approve") if getattr(c, "method", None) == "chat.postMessage"]
    assert found, "no Approve button was posted"
    call, button = found[-1]
    return call, button


def prepare_requested(bot) -> dict:
    world = seed_world(bot.engine)
    assert _request(bot, world).status == 200
    call, button = _approval_message(bot)
    return {"world": world, "approval_call": call, "intro_id": button["value"]}


def approve(bot, state: dict, user: str = MANAGER):
    return bot.slack.block_action("intro_approve", state["intro_id"], user_id=user, channel_id=APPROVALS,
                                  message=message_of(state["approval_call"]))


def prepare_introduced(bot) -> dict:
    state = prepare_requested(bot)
    approve(bot, state)
    bot.fake.wait_for("conversations.create", 1, where=lambda c: "_answer" in c.args)
    bot.fake.settle(quiet=0.5)
    return state


def prepare_followed_up(bot) -> dict:
    state = prepare_introduced(bot)
    run_jobs_after(bot, days=bot.settings.followup_days + 1)
    bot.fake.settle(quiet=0.5)
    return state


def run_jobs_after(bot, *, days: float) -> None:
    """Time passes (the fake clock moves), then every due job runs once."""
    from bot.scheduling import run_due

    run_due(bot.ctx, bot.clock.advance(days=days))


def _click_last(bot, state: dict, action_id: str, *, user: str, value_filter=None):
    """Click the latest `action_id` button posted while the scenario was prepared."""
    found = buttons(bot.fake, action_id, calls=state["_calls"], responses=state["_responses"])
    if value_filter:
        found = [(c, b) for c, b in found if value_filter(b)]
    assert found, f"no {action_id} button was posted"
    call, button = found[-1]
    message = message_of(call) if hasattr(call, "args") else {"ts": "1800000000.000009", "blocks": call.get("blocks")}
    channel = call.args.get("channel") if hasattr(call, "args") else "C0GENERAL1"
    return bot.slack.block_action(action_id, button["value"], user_id=user, channel_id=channel, message=message)


def _submit_view(bot, call, *, user: str, text: str = "Not a fit for this customer right now."):
    """Submit the modal opened by `call` with every text input filled."""
    view = call.args["view"]
    values: dict = {}
    for block in view.get("blocks") or []:
        if block.get("type") == "input":
            element = block.get("element") or {}
            kind = element.get("type", "plain_text_input")
            answer = ({"type": kind, "selected_option": element["options"][0]} if kind == "static_select"
                      else {"type": kind, "value": text})
            values[block["block_id"]] = {element.get("action_id", "value"): answer}
    return bot.slack.view_submission(view.get("callback_id", ""), values, user_id=user,
                                     private_metadata=view.get("private_metadata", ""))


def prepare_decline_modal(bot) -> dict:
    state = prepare_requested(bot)
    bot.slack.block_action("intro_decline", state["intro_id"], user_id=MANAGER, channel_id=APPROVALS,
                           message=message_of(state["approval_call"]))
    calls = bot.fake.wait_for("views.open", 1, where=lambda c: "_answer" in c.args)
    bot.fake.settle(quiet=0.3)
    state["modal_call"] = calls[-1]
    return state


def prepare_not_a_fit_modal(bot) -> dict:
    state = prepare_introduced(bot)
    _click_last(bot, {**state, "_calls": list(bot.fake.calls), "_responses": list(bot.fake.responses)},
                "intro_not_a_fit", user=TARGET_USER)
    calls = bot.fake.wait_for("views.open", 1, where=lambda c: "_answer" in c.args)
    bot.fake.settle(quiet=0.3)
    state["modal_call"] = calls[-1]
    return state


def _home_event(bot, state):
    return bot.slack.event({"type": "app_home_opened", "user": MANAGER, "tab": "home", "channel": "D0HOME0001"})


def _seed_week(bot) -> None:
    from tests.metrics_data import build_week

    build_week(bot.engine)


def _digest(bot, state):
    from datetime import datetime

    from bot.metrics.jobs import run_digest_due

    # The next Monday 09:00 after the fake clock's now (the default DIGEST_CRON): the digest job
    # alone (the seeded week's approved introduction is not this scenario's business).
    now = bot.ctx.clock.now()
    monday = (now + timedelta(days=(7 - now.weekday()) % 7 or 7)).replace(hour=9, minute=5, second=0, microsecond=0)
    assert isinstance(monday, datetime)
    bot.clock.set(monday)
    run_digest_due(bot.ctx, monday)


SCENARIOS: dict[str, Scenario] = {s.name: s for s in [
    Scenario("profile_open", lambda bot: None,
             lambda bot, st: bot.slack.command("/partnerprofile", "", user_id=REQUESTER), ("views.open",)),
    Scenario("request_intro", lambda bot: {"world": seed_world(bot.engine)},
             lambda bot, st: _request(bot, st["world"]), ("chat.postMessage",)),
    Scenario("approve", prepare_requested, approve,
             # pins.add only with rules of engagement (covered by the restart-at-any-step test)
             ("conversations.create", "conversations.invite", "conversations.setTopic", "chat.postMessage",
              "chat.update", "chat.getPermalink")),
    Scenario("decline_open", prepare_requested,
             lambda bot, st: bot.slack.block_action("intro_decline", st["intro_id"], user_id=MANAGER,
                                                    channel_id=APPROVALS, message=message_of(st["approval_call"])),
             ("views.open",)),
    Scenario("decline_submit", prepare_decline_modal,
             lambda bot, st: _submit_view(bot, st["modal_call"], user=MANAGER),
             ("chat.postMessage", "chat.update")),
    Scenario("not_a_fit_open", prepare_introduced,
             lambda bot, st: _click_last(bot, st, "intro_not_a_fit", user=TARGET_USER), ("views.open",)),
    Scenario("not_a_fit", prepare_not_a_fit_modal,
             lambda bot, st: _submit_view(bot, st["modal_call"], user=TARGET_USER),
             ("chat.postMessage", "chat.update")),
    Scenario("followup_job", prepare_introduced,
             lambda bot, st: run_jobs_after(bot, days=bot.settings.followup_days + 1),
             ("chat.postMessage", "files.getUploadURLExternal", "files.completeUploadExternal")),
    Scenario("followup_answer", prepare_followed_up,
             lambda bot, st: _click_last(bot, st, "followup_working_together", user=TARGET_USER,
                                         value_filter=lambda b: "working" in b.get("value", "")),
             ("chat.update",)),
    Scenario("app_home", lambda bot: None, _home_event, ("views.publish",)),
    # A week with activity, so the digest draws and uploads its chart (the upload's faults count too).
    Scenario("digest_job", _seed_week, _digest,
             ("chat.postMessage", "files.getUploadURLExternal", "files.completeUploadExternal")),
]}
