"""Issue 13.3: unsigned junk, absurd headers and huge bodies get a plain 400/401/413 — no
traceback, no body read past the limit, no body written to the log."""

from __future__ import annotations

import http.client
import json
import logging
import time
from urllib.parse import urlencode, urlparse

import pytest

from bot.intake import MAX_BODY_BYTES
from tests.promises import effect_calls
from tests.slackrequests import sign


def no_tracebacks(caplog) -> list[str]:
    return [f"{r.name}: {r.getMessage()}" for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR]


def raw_post(bot, body: bytes, headers: dict[str, str], *, chunked: bool = False) -> tuple[int, bytes]:
    """POST over a plain socket (chunked when asked: no Content-Length to trust)."""
    url = urlparse(bot.url)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=20)
    try:
        conn.putrequest("POST", "/slack/events")
        for k, v in headers.items():
            conn.putheader(k, v)
        if chunked:
            conn.putheader("Transfer-Encoding", "chunked")
        else:
            conn.putheader("Content-Length", str(len(body)))
        conn.endheaders()
        try:
            if chunked:
                for i in range(0, len(body), 65536):
                    piece = body[i:i + 65536]
                    conn.send(f"{len(piece):x}\r\n".encode() + piece + b"\r\n")
                conn.send(b"0\r\n\r\n")
            else:
                conn.send(body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server answered and closed before the whole body was sent: fine
        resp = conn.getresponse()
        return resp.status, resp.read()
    finally:
        conn.close()


@pytest.mark.parametrize("body", ["[" * 1000, "payload=" + "[" * 1000, "payload=" + '{"a":' * 1000])
def test_deeply_nested_junk_is_refused_without_a_traceback(bot, caplog, body):
    unsigned = bot.slack.post(body, signature="")
    assert unsigned.status == 401
    signed = bot.slack.post(body)  # even correctly signed, it is no Slack request
    assert signed.status in (200, 400)  # a form whose one key is "[[[" is merely nothing Bolt handles
    assert no_tracebacks(caplog) == []
    assert effect_calls(bot.fake) == []


@pytest.mark.parametrize("timestamp", ["abc", "1e9", "-5", "", "99999999999999999999999", " 1 "])
def test_a_malformed_timestamp_is_401_not_500(bot, caplog, timestamp):
    body = "command=%2Fpartnerprofile&text=show"
    sig = sign(bot.slack.secret, timestamp, body)
    reply = bot.slack.post(body, signature=sig, headers={"X-Slack-Request-Timestamp": timestamp})
    assert reply.status == 401, reply.text
    assert no_tracebacks(caplog) == []


def test_a_stale_signature_is_401(bot):
    reply = bot.slack.post("command=%2Fpartnerprofile&text=show", timestamp=int(time.time()) - 3600)
    assert reply.status == 401


def test_a_body_over_the_limit_is_413_before_it_is_read(bot, caplog):
    big = b"payload=" + b"x" * (MAX_BODY_BYTES + 1)
    ts = str(int(time.time()))
    headers = {"Content-Type": "application/x-www-form-urlencoded", "X-Slack-Request-Timestamp": ts,
               "X-Slack-Signature": sign(bot.slack.secret, ts, big.decode())}
    status, _ = raw_post(bot, big, headers)
    assert status == 413
    # Without a Content-Length (chunked), reading stops at the limit: a 20 MB body is not read whole.
    huge = b"x" * (20 * 1024 * 1024)
    started = time.monotonic()
    status, _ = raw_post(bot, huge, {"Content-Type": "application/x-www-form-urlencoded",
                                     "X-Slack-Request-Timestamp": ts, "X-Slack-Signature": "v0=00"}, chunked=True)
    assert status == 413
    assert time.monotonic() - started < 10
    assert no_tracebacks(caplog) == []


def test_a_body_within_the_limit_still_works(bot):
    # A signed, well-formed request just under the limit is handled normally.
    text = "a" * (MAX_BODY_BYTES // 2)
    reply = bot.slack.command("/findpartner", "help " + text)
    assert reply.status == 200


def test_a_bad_signature_never_logs_the_body(bot, caplog):
    caplog.set_level(logging.DEBUG)
    marker = "SECRET-BODY-MARKER-" + "z" * 5000
    body = urlencode({"payload": json.dumps({"type": "block_actions", "note": marker})})
    reply = bot.slack.post(body, signature="v0=" + "0" * 64)
    assert reply.status == 401
    assert not any("SECRET-BODY-MARKER" in r.getMessage() for r in caplog.records)
    assert all(len(r.getMessage()) < 2000 for r in caplog.records)
