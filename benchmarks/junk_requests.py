"""Unsigned junk against a running bot (issue 13.3): a 200 MB POST (chunked, so no
Content-Length to refuse it by) and a 20 MB POST with a bad signature. Prints the answers,
the bot process's resident memory before and after, the time to answer, and how many bytes
the bot logged meanwhile.

    .venv/bin/python benchmarks/junk_requests.py [--mb 200]
"""

from __future__ import annotations

import argparse
import http.client
import io
import logging
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.conftest import start_bot  # noqa: E402
from tests.fakeslack import FakeSlack  # noqa: E402
from models.db import make_engine, upgrade  # noqa: E402


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def post(url: str, size_mb: int, *, chunked: bool, signature: str) -> tuple[int, float]:
    host, port = url.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=120)
    piece = b"x" * (1024 * 1024)
    started = time.monotonic()
    conn.putrequest("POST", "/slack/events")
    conn.putheader("Content-Type", "application/x-www-form-urlencoded")
    conn.putheader("X-Slack-Request-Timestamp", str(int(time.time())))
    conn.putheader("X-Slack-Signature", signature)
    conn.putheader("Transfer-Encoding" if chunked else "Content-Length", "chunked" if chunked else str(size_mb << 20))
    conn.endheaders()
    try:
        for _ in range(size_mb):
            conn.send(f"{len(piece):x}\r\n".encode() + piece + b"\r\n" if chunked else piece)
        if chunked:
            conn.send(b"0\r\n\r\n")
    except (BrokenPipeError, ConnectionResetError):
        pass  # refused before the whole body was sent
    status = conn.getresponse().status
    conn.close()
    return status, time.monotonic() - started


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mb", type=int, default=200)
    args = parser.parse_args()
    log_sink = io.StringIO()
    handler = logging.StreamHandler(log_sink)
    logging.getLogger().addHandler(handler)
    logging.getLogger().setLevel(logging.DEBUG)
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/junk.db"
        upgrade(make_engine(url))
        fake = FakeSlack().start()
        bot = start_bot(fake, url)
        try:
            bot.slack.command("/findpartner", "help")  # warm: the first request's imports are not the body's cost
            before = rss_mb()
            status, took = post(bot.url, args.mb, chunked=True, signature="v0=" + "0" * 64)
            print(f"{args.mb} MB unsigned chunked POST: HTTP {status} in {took:.2f}s")
            status, took = post(bot.url, 20, chunked=False, signature="v0=" + "0" * 64)
            print(f"20 MB POST with a bad signature: HTTP {status} in {took:.2f}s")
            logged = len(log_sink.getvalue())
            body = b"payload=" + b"y" * 400_000  # under the limit: refused by its signature
            conn = http.client.HTTPConnection(*bot.url.removeprefix("http://").split(":"), timeout=30)
            conn.request("POST", "/slack/events", body=body, headers={
                "Content-Type": "application/x-www-form-urlencoded", "X-Slack-Signature": "v0=" + "0" * 64,
                "X-Slack-Request-Timestamp": str(int(time.time()))})
            print(f"400 KB POST with a bad signature: HTTP {conn.getresponse().status}, "
                  f"{len(log_sink.getvalue()) - logged:,} bytes logged for it")
            after = rss_mb()
            print(f"resident memory of the bot's process: {before:.0f} MB before, {after:.0f} MB after")
            print(f"bytes logged meanwhile: {len(log_sink.getvalue()):,}")
        finally:
            bot.stop()
            fake.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
