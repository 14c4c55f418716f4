"""What every listener and job needs, built once at start-up and passed in."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from slack_sdk import WebClient
from sqlalchemy.engine import Engine

from bot.clock import Clock
from bot.operations.logs import ContextThreadPool  # tasks keep the request's log labels
from bot.config import Settings


@dataclass
class BotContext:
    settings: Settings
    engine: Engine
    client: WebClient
    clock: Clock = field(default_factory=Clock)
    # Slow work after ack(): Bolt's lazy listeners (matching on a large directory) and approval
    # side effects. Small: ranking is CPU-bound and two cores gain nothing from more threads.
    executor: ThreadPoolExecutor = field(
        default_factory=lambda: ContextThreadPool(max_workers=8, thread_name_prefix="work"))
    # Bolt runs each listener's ack function here and waits (3 s) for its ack(). Kept apart from
    # `executor` so slow work queued there can never delay an acknowledgement (a 404 to Slack).
    # As many workers as the HTTP server's dispatch threads (bot/server.py) that wait on them.
    listener_executor: ThreadPoolExecutor = field(
        default_factory=lambda: ContextThreadPool(max_workers=64, thread_name_prefix="ack"))
    # Filled by the parts that need shared in-process state (e.g. the matching index).
    services: dict[str, Any] = field(default_factory=dict)
