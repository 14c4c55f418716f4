"""Operations: /readyz names what is not ready, /metrics counts in Prometheus' format (off with
METRICS=off), LOG_FORMAT=json labels each line with its request and never shows a secret."""

from __future__ import annotations

import io
import json
import logging
import re
import time

from sqlalchemy import event
from sqlalchemy.exc import OperationalError

from bot.config import Settings
from bot.operations import logs
from bot.operations.readiness import readiness_of
from tests import scenarios as S
from tests.conftest import BOT_TOKEN, SIGNING_SECRET


def ready_reply(bot, timeout: float = 10.0):
    """/readyz until it answers 200 (the matching index loads after the first probe)."""
    deadline = time.monotonic() + timeout
    while True:
        reply = bot.slack.get("/readyz")
        if reply.status == 200 or time.monotonic() > deadline:
            return reply
        time.sleep(0.05)


def test_readyz_is_200_when_every_part_is_ready(bot):
    reply = ready_reply(bot)
    assert reply.status == 200, reply.text
    assert reply.json() == {"ok": True, "not_ready": {}}
    assert bot.slack.get("/healthz").status == 200


def test_readyz_names_the_scheduler_when_it_stopped(bot):
    assert ready_reply(bot).status == 200
    readiness_of(bot.ctx).scheduler.shutdown(wait=False)
    reply = bot.slack.get("/readyz")
    assert reply.status == 503
    assert reply.json()["not_ready"] == {"scheduler": "not running"}


def test_readyz_names_slack_until_auth_test_succeeds(make_bot, fake_slack):
    fake_slack.respond("auth.test", {"ok": False, "error": "invalid_auth"})
    bot = make_bot()
    reply = bot.slack.get("/readyz")
    assert reply.status == 503
    assert reply.json()["not_ready"]["slack"] == "auth.test failed (invalid_auth)"
    fake_slack.overrides.pop("auth.test")
    assert ready_reply(bot).status == 200


def test_readyz_names_the_database_when_it_does_not_answer(bot):
    assert ready_reply(bot).status == 200

    def refuse(*_args):
        raise OperationalError("SELECT 1", {}, ConnectionError("server closed the connection unexpectedly"))

    event.listen(bot.engine, "before_cursor_execute", refuse)
    try:
        reply = bot.slack.get("/readyz")
    finally:
        event.remove(bot.engine, "before_cursor_execute", refuse)
    assert reply.status == 503
    assert set(reply.json()["not_ready"]) == {"database"}


def metric(text: str, name: str, **labels: str) -> float | None:
    """The value of one sample of the exposition text (None when absent)."""
    want = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
    for line in text.splitlines():
        if line.startswith("#"):
            continue
        m = re.match(r"^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$", line)
        if m and m.group(1) == name and ",".join(sorted((m.group(2) or "").split(","))).strip(",") == want:
            return float(m.group(3))
    return None


def test_metrics_count_requests_web_api_calls_jobs_and_the_funnel(bot):
    state = S.prepare_requested(bot)  # a /findpartner-like request, Request intro, the approval post
    bot.fake.inject("chat.update", status=429, retry_after=0)
    assert S.approve(bot, state).status == 200
    bot.fake.wait_for("conversations.create", 1, where=lambda c: "_answer" in c.args)
    bot.fake.wait_for("chat.update", 1, where=lambda c: "_answer" in c.args)  # retried after the 429
    bot.fake.settle()
    S.run_jobs_after(bot, days=0)

    reply = bot.slack.get("/metrics")
    assert reply.status == 200 and reply.headers["content-type"].startswith("text/plain")
    text = reply.text
    assert metric(text, "partnerbot_requests_total", kind="block_actions", outcome="ok") == 2
    assert metric(text, "partnerbot_ack_seconds_count", kind="block_actions") == 2
    assert metric(text, "partnerbot_ack_seconds_bucket", kind="block_actions", le="3.0") == 2
    assert metric(text, "partnerbot_web_api_calls_total", method="conversations.create", outcome="ok") == 1
    assert metric(text, "partnerbot_web_api_calls_total", method="chat.update", outcome="ratelimited") == 1
    assert metric(text, "partnerbot_web_api_calls_total", method="chat.update", outcome="ok") >= 1
    assert metric(text, "partnerbot_job_runs_total", job="intro_pending_effects") == 1
    assert metric(text, "partnerbot_job_failures_total", job="intro_pending_effects") in (None, 0)
    assert metric(text, "partnerbot_intro_funnel", stage="requested") == 1
    assert metric(text, "partnerbot_intro_funnel", stage="approved") == 1
    assert metric(text, "partnerbot_intro_funnel", stage="introduced") == 1
    assert metric(text, "partnerbot_intro_funnel", stage="declined") == 0
    assert metric(text, "partnerbot_directory_profiles") == 2  # the requester's and the partner's
    assert metric(text, "partnerbot_intro_outcomes", outcome="deals_won") == 0


def test_unverified_requests_are_counted_as_refused(bot):
    assert bot.slack.post("text=x", secret="not-the-secret").status == 401
    assert metric(bot.slack.get("/metrics").text, "partnerbot_requests_total", kind="unverified",
                  outcome="refused") == 1


def test_metrics_off(make_bot):
    bot = make_bot(METRICS="off")
    assert bot.slack.get("/metrics").status == 404
    assert ready_reply(bot).status == 200


def _json_logger(settings: Settings) -> tuple[logging.Logger, io.StringIO]:
    out = io.StringIO()
    root = logging.getLogger(f"test-json-{id(out)}")
    root.handlers = [logging.StreamHandler(out)]
    root.setLevel(logging.INFO)
    root.propagate = False
    logs.configure(settings, root=root)
    return root, out


def test_json_logs_label_the_request_and_mask_secrets():
    settings = Settings.from_mapping({"LOG_FORMAT": "json", "SLACK_BOT_TOKEN": BOT_TOKEN,
                                      "SLACK_SIGNING_SECRET": SIGNING_SECRET})
    root, out = _json_logger(settings)
    body = {"command": "/findpartner", "team_id": "T0PARTNER", "user_id": "U0PARTNER1", "text": "x"}
    with logs.request_context(body):
        root.info("calling with %s and %s", BOT_TOKEN, SIGNING_SECRET)
        pool = logs.ContextThreadPool(max_workers=1)
        pool.submit(root.warning, "from a listener thread, user token xoxp-1234-abcd").result()
        pool.shutdown()
    try:
        raise ValueError(f"bad token {BOT_TOKEN}")
    except ValueError:
        root.exception("outside a request")
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    assert len(lines) == 3
    first, second, third = lines
    assert first["message"] == "calling with [secret] and [secret]"
    assert {first[k] for k in ("team", "user", "command")} == {"T0PARTNER", "U0PARTNER1", "/findpartner"}
    assert first["level"] == "INFO" and first["logger"] == root.name and first["time"].endswith("+00:00")
    assert second["request_id"] == first["request_id"] and len(first["request_id"]) == 12
    assert "xoxp-[redacted]" in second["message"]
    assert "request_id" not in third and "bad token [secret]" in third["exception"]
    assert BOT_TOKEN not in out.getvalue() and SIGNING_SECRET not in out.getvalue()


def test_text_logs_mask_secrets_too():
    settings = Settings.from_mapping({"SLACK_BOT_TOKEN": BOT_TOKEN})
    root, out = _json_logger(settings)
    root.info("token=%s, another bot's %s", BOT_TOKEN, "xoxb-99-other")
    assert out.getvalue() == "token=[secret], another bot's xoxb-[redacted]\n"


def test_operations_settings_have_one_line_errors():
    import pytest

    from bot.config import ConfigError

    for env, name in (({"METRICS": "maybe"}, "METRICS"), ({"LOG_FORMAT": "xml"}, "LOG_FORMAT"),
                      ({"SHUTDOWN_GRACE_S": "-1"}, "SHUTDOWN_GRACE_S")):
        with pytest.raises(ConfigError, match=f"^{name} is malformed"):
            Settings.from_mapping(env)
    settings = Settings.from_mapping({})
    assert (settings.metrics_enabled, settings.log_format, settings.shutdown_grace_s) == (True, "text", 10.0)
