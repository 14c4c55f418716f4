"""A fake Slack Web API server on loopback: a real HTTP server that answers the methods the
bot uses, records every call with its arguments, serves `response_url` posts and file
uploads, and can be told to answer a method with 429 + Retry-After, a 5xx, a dropped
connection or a slow answer.

It refuses what Slack refuses (tests/slack_rules.py): every message, view, response_url post
and channel name is checked against Slack's documented rules, and a trigger_id works once,
within 3 seconds of the request that carried it. Refusals and warnings (blocks without a
top-level `text`) are kept in `refusals` / `warnings`; the `fake_slack` fixture fails a test
that caused one unless the test sets `expect_refusals`.
"""

from __future__ import annotations

import itertools
import json
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse

from tests import slack_rules

TEAM_ID = "T0PARTNER"
BOT_USER_ID = "UBOTUSER1"

JSON_FIELDS = {"blocks", "attachments", "view", "metadata", "files", "channel_id_list"}


@dataclass
class Call:
    method: str
    args: dict[str, Any]
    headers: dict[str, str]
    at: float = field(default_factory=time.monotonic)


@dataclass
class Fault:
    status: int | None = None  # 429, 500, 503 ...
    retry_after: int | None = None
    drop: bool = False  # close the connection without an answer
    delay: float = 0.0  # seconds before answering (the answer itself is normal)
    error: str | None = None  # answer 200 {"ok": false, "error": error}
    times: int | None = 1  # None: every call


class FakeSlack:
    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.responses: list[dict[str, Any]] = []  # posts to response_url
        self.uploads: dict[str, bytes] = {}
        self.faults: dict[str, list[Fault]] = {}
        self.overrides: dict[str, Callable[[dict], dict] | dict] = {}
        self.uninvitable: set[str] = set()
        self.channel_names: set[str] = set()
        self.users: dict[str, dict] = {}
        # Models of further Slack features (e.g. tests/fakeslack_connect.py): each answers the
        # methods it knows from .answer(method, args), or None to leave them to this class.
        self.extensions: list = []
        # Each says whether an in-process bot still has background work (tests/waiting.py);
        # with them `settle` waits for that work instead of a quiet period.
        self.busy_checks: list[Callable[[], bool]] = []
        # Slack's rules (tests/slack_rules.py): what was refused, what Slack accepts but warns of.
        self.refusals: list[dict[str, Any]] = []
        self.warnings: list[dict[str, Any]] = []
        self.expect_refusals = False  # a test that sends bad payloads on purpose sets this
        self.trigger_ttl = 3.0  # seconds a trigger_id stays usable
        self._triggers: dict[str, float] = {}  # trigger_id -> monotonic time it was issued
        self._exchanged: set[str] = set()
        self._lock = threading.Condition()
        self._ts = itertools.count(1)
        self._ids = itertools.count(1)
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._make_handler())
        self._server.daemon_threads = True
        # A short poll: stop() waits for serve_forever to notice, 0.5 s per test by default.
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.02},
                                        name="fake-slack", daemon=True)

    # -- lifecycle ---------------------------------------------------------------------
    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def api_url(self) -> str:
        return f"{self.url}/api/"

    def start(self) -> FakeSlack:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def reset(self) -> None:
        with self._lock:
            self.calls.clear()
            self.responses.clear()
            self.faults.clear()
            self.overrides.clear()
            self.refusals.clear()
            self.warnings.clear()

    # -- configuration -----------------------------------------------------------------
    def inject(self, method: str, **fault: Any) -> None:
        """Make the next call(s) to `method` fail: inject("chat.postMessage", status=429, retry_after=1)."""
        with self._lock:
            self.faults.setdefault(method, []).append(Fault(**fault))

    def respond(self, method: str, answer: Callable[[dict], dict] | dict) -> None:
        """Answer `method` with a fixed payload or with answer(args)."""
        self.overrides[method] = answer

    def new_response_url(self) -> str:
        return f"{self.url}/response/{uuid.uuid4().hex}"

    def new_trigger_id(self) -> str:
        """A trigger_id as Slack puts in an interaction payload: usable once, for `trigger_ttl` s."""
        trigger_id = f"trig.{next(self._ids)}.{uuid.uuid4().hex[:12]}"
        with self._lock:
            self._triggers[trigger_id] = time.monotonic()
        return trigger_id

    # -- inspection --------------------------------------------------------------------
    def calls_to(self, method: str) -> list[Call]:
        with self._lock:
            return [c for c in self.calls if c.method == method]

    def wait_for(
        self,
        method: str,
        count: int = 1,
        *,
        where: Callable[[Call], bool] | None = None,
        timeout: float = 10.0,
    ) -> list[Call]:
        """Wait until at least `count` matching calls arrived; return them all."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while True:
                found = [c for c in self.calls if c.method == method and (where is None or where(c))]
                if len(found) >= count:
                    return found
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    seen = sorted({c.method for c in self.calls})
                    raise AssertionError(f"expected {count} call(s) to {method}, got {len(found)}; seen: {seen}")
                self._lock.wait(remaining)

    def wait_for_response(self, count: int = 1, *, timeout: float = 10.0) -> list[dict[str, Any]]:
        deadline = time.monotonic() + timeout
        with self._lock:
            while len(self.responses) < count:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    refused = [r["answer"] for r in self.refusals if r["method"] == "response_url"]
                    raise AssertionError(f"expected {count} response_url post(s), got {len(self.responses)}"
                                         + (f"; refused: {refused}" if refused else ""))
                self._lock.wait(remaining)
            return list(self.responses)

    def settle(self, quiet: float = 0.3, timeout: float = 10.0) -> None:
        """Wait until no call has arrived for `quiet` seconds (background work finished)."""
        # The quiet window starts no earlier than this call: work triggered just before it
        # (an ack whose side effects are still on their way) has not made a call yet.
        started = time.monotonic()
        deadline = started + timeout
        if self.busy_checks:
            return self._settle_idle(started, deadline, quiet)
        while time.monotonic() < deadline:
            with self._lock:
                last = max([started] + [c.at for c in self.calls] + [r.get("_at", 0.0) for r in self.responses])
            if time.monotonic() - last >= quiet:
                return
            time.sleep(quiet / 3)

    def _settle_idle(self, started: float, deadline: float, quiet: float, window: float = 0.03) -> None:
        """Wait until every in-process bot's pools have been idle, and no call arrived, for
        `window` seconds; or, as without them, until no call arrived for `quiet` seconds (work
        that waits out an outage the test has not lifted yet is not waited for)."""
        idle_since: float | None = None
        while time.monotonic() < deadline:
            now = time.monotonic()
            with self._lock:
                last = max([started] + [c.at for c in self.calls] + [r.get("_at", 0.0) for r in self.responses])
            if now - last >= quiet:
                return
            if any(check() for check in self.busy_checks) or now - last < window:
                idle_since = None
            elif idle_since is None:
                idle_since = now
            elif now - idle_since >= window:
                return
            time.sleep(0.005)

    # -- answers -----------------------------------------------------------------------
    def _take_fault(self, method: str) -> Fault | None:
        with self._lock:
            queue = self.faults.get(method)
            if not queue:
                return None
            fault = queue[0]
            if fault.times is not None:
                fault.times -= 1
                if fault.times <= 0:
                    queue.pop(0)
            return fault

    def _next_ts(self) -> str:
        return f"{1_800_000_000 + next(self._ts)}.{next(self._ids):06d}"

    # -- Slack's rules ------------------------------------------------------------------
    def _refuse(self, where: str, args: dict[str, Any]) -> dict[str, Any] | None:
        """Slack's refusal of this call or response_url post, recorded; None when accepted."""
        if where == "response_url":
            refusal = slack_rules.check_message(args)
        else:
            refusal = self._trigger_refusal(where, args) or slack_rules.check_call(where, args)
        warnings = slack_rules.message_warnings(args) if where in slack_rules.MESSAGE_METHODS | {"response_url"} else []
        with self._lock:
            if refusal is not None:
                self.refusals.append({"method": where, "answer": refusal, "args": args})
            elif where in ("views.open", "views.push") and args.get("trigger_id"):
                self._exchanged.add(str(args["trigger_id"]))
            self.warnings += [{"method": where, "warning": w, "args": args} for w in warnings]
        return refusal

    def _trigger_refusal(self, method: str, args: dict[str, Any]) -> dict[str, Any] | None:
        """https://docs.slack.dev/reference/methods/views.open (and views.push) errors:
        invalid_trigger_id, exchanged_trigger_id ("already exchanged in a previous call"),
        expired_trigger_id; a trigger is to be used "within 3 seconds of receiving it"
        (https://docs.slack.dev/tools/bolt-python/concepts/opening-modals)."""
        if method not in ("views.open", "views.push"):
            return None
        trigger_id = args.get("trigger_id")
        if not trigger_id:
            if args.get("interactivity_pointer"):
                return None
            return {"ok": False, "error": "invalid_arguments",
                    "response_metadata": {"messages": ["[ERROR] missing required field: trigger_id"]}}
        with self._lock:
            issued = self._triggers.get(str(trigger_id))
            if issued is None:
                return {"ok": False, "error": "invalid_trigger_id"}
            if str(trigger_id) in self._exchanged:
                return {"ok": False, "error": "exchanged_trigger_id"}
            if time.monotonic() - issued > self.trigger_ttl:
                return {"ok": False, "error": "expired_trigger_id"}
        return None

    def rule_problems(self) -> list[str]:
        """Refusals and warnings, one line each (for a failing test's message)."""
        with self._lock:
            lines = [f"{r['method']}: {r['answer']}" for r in self.refusals]
            lines += [f"{w['method']}: {w['warning']}" for w in self.warnings]
        return lines

    def _answer(self, method: str, args: dict[str, Any]) -> dict[str, Any]:
        refusal = self._refuse(method, args)
        if refusal is not None:
            return refusal
        override = self.overrides.get(method)
        if override is not None:
            return override(args) if callable(override) else override
        for extension in self.extensions:
            answer = extension.answer(method, args)
            if answer is not None:
                return answer
        if method == "auth.test":
            return {"ok": True, "url": "https://partners.example/", "team": "Partners", "user": "partnerbot",
                    "team_id": TEAM_ID, "user_id": BOT_USER_ID, "bot_id": "BBOT00001"}
        if method == "chat.postMessage":
            return {"ok": True, "channel": args.get("channel"), "ts": self._next_ts(),
                    "message": {"text": args.get("text"), "blocks": args.get("blocks")}}
        if method == "chat.postEphemeral":
            return {"ok": True, "message_ts": self._next_ts()}
        if method == "chat.update":
            return {"ok": True, "channel": args.get("channel"), "ts": args.get("ts"), "text": args.get("text")}
        if method == "chat.getPermalink":
            return {"ok": True, "channel": args.get("channel"),
                    "permalink": f"https://partners.example/archives/{args.get('channel')}/p{args.get('message_ts')}"}
        if method in ("views.open", "views.push", "views.update", "views.publish"):
            view = args.get("view") or {}
            return {"ok": True, "view": {**view, "id": f"V{next(self._ids):08d}"}}
        if method == "conversations.create":
            name = str(args.get("name", ""))
            with self._lock:
                if name in self.channel_names:
                    return {"ok": False, "error": "name_taken"}
                self.channel_names.add(name)
            return {"ok": True, "channel": {"id": f"C{next(self._ids):08d}", "name": name,
                                            "is_private": str(args.get("is_private")).lower() == "true"}}
        if method == "conversations.invite":
            users = [u for u in str(args.get("users", "")).split(",") if u]
            bad = [u for u in users if u in self.uninvitable]
            if bad:
                return {"ok": False, "error": "user_not_found",
                        "errors": [{"user": u, "ok": False, "error": "user_not_found"} for u in bad]}
            return {"ok": True, "channel": {"id": args.get("channel")}}
        if method == "conversations.open":
            users = str(args.get("users", ""))
            return {"ok": True, "channel": {"id": "D" + users.replace(",", "")[:10]}}
        if method == "users.info":
            user = str(args.get("user"))
            info = self.users.get(user, {"id": user, "name": user.lower(), "real_name": f"User {user}",
                                          "tz": "America/Phoenix", "is_bot": False, "deleted": False})
            return {"ok": True, "user": info}
        if method == "files.getUploadURLExternal":
            file_id = f"F{next(self._ids):08d}"
            return {"ok": True, "upload_url": f"{self.url}/upload/{file_id}", "file_id": file_id}
        if method == "files.completeUploadExternal":
            files = args.get("files") or []
            return {"ok": True, "files": [{"id": f.get("id"), "title": f.get("title")} for f in files]}
        return {"ok": True}

    # -- HTTP --------------------------------------------------------------------------
    def _make_handler(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *_args):  # keep test output clean
                pass

            def _send_json(self, status: int, payload: dict, headers: dict[str, str] | None = None) -> None:
                body = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(body)

            def do_POST(self):  # noqa: N802
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                path = urlparse(self.path).path
                if path.startswith("/upload/"):
                    with fake._lock:
                        fake.uploads[path.rsplit("/", 1)[1]] = raw
                        fake._lock.notify_all()
                    self.send_response(200)
                    self.send_header("Content-Length", "2")
                    self.end_headers()
                    self.wfile.write(b"OK")
                    return
                if path.startswith("/response/"):
                    payload = json.loads(raw or b"{}")
                    refusal = fake._refuse("response_url", payload)
                    if refusal is not None:  # not shown to anyone: not among `responses`
                        with fake._lock:
                            fake._lock.notify_all()
                        self._send_json(200, refusal)
                        return
                    payload["_url"] = path
                    payload["_at"] = time.monotonic()
                    with fake._lock:
                        fake.responses.append(payload)
                        fake._lock.notify_all()
                    self._send_json(200, {"ok": True})
                    return
                if not path.startswith("/api/"):
                    self._send_json(404, {"ok": False, "error": "unknown_path"})
                    return
                method = path[len("/api/"):]
                args = _parse_args(raw, self.headers.get("Content-Type", ""), urlparse(self.path).query)
                headers = {k.lower(): v for k, v in self.headers.items()}
                call = Call(method=method, args=args, headers=headers)
                fault = fake._take_fault(method)
                if fault and fault.delay:
                    time.sleep(fault.delay)
                if fault and fault.drop:
                    with fake._lock:  # recorded: the request reached Slack, the answer was lost
                        fake.calls.append(call)
                        fake._lock.notify_all()
                    self.close_connection = True
                    self.connection.close()
                    return
                if fault and fault.status:
                    extra = {"Retry-After": str(fault.retry_after)} if fault.retry_after is not None else {}
                    error = "ratelimited" if fault.status == 429 else "fatal_error"
                    with fake._lock:
                        fake.calls.append(call)
                        fake._lock.notify_all()
                    self._send_json(fault.status, {"ok": False, "error": error}, extra)
                    return
                if fault and fault.error:
                    answer = {"ok": False, "error": fault.error}
                else:
                    answer = fake._answer(method, args)
                call.args["_answer"] = answer
                with fake._lock:
                    fake.calls.append(call)
                    fake._lock.notify_all()
                self._send_json(200, answer)

            # slack_sdk sends a few methods as GET with query arguments (conversations.inviteShared).
            do_GET = do_POST  # noqa: N815

        return Handler


def _parse_args(raw: bytes, content_type: str, query: str) -> dict[str, Any]:
    args: dict[str, Any] = {k: v[0] for k, v in parse_qs(query).items()}
    if "application/json" in content_type:
        args.update(json.loads(raw or b"{}"))
    elif raw:
        for key, values in parse_qs(raw.decode("utf-8"), keep_blank_values=True).items():
            value: Any = values[0]
            if key in JSON_FIELDS:
                try:
                    value = json.loads(value)
                except ValueError:
                    pass
            args[key] = value
    for key in JSON_FIELDS:
        if isinstance(args.get(key), str):
            try:
                args[key] = json.loads(args[key])
            except ValueError:
                pass
    return args
