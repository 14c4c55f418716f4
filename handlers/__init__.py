"""Slack listeners: thin functions that parse a request, call `bot/`, and render.

Each subpackage (commands, actions, views, events) registers every module in it that has a
`register(app, ctx)` function; a new listener is a new module, wired once here.
"""

from __future__ import annotations

import importlib
import pkgutil

from slack_bolt import App

from bot.context import BotContext

SUBPACKAGES = ("middleware", "commands", "actions", "views", "events")


def register_package(package_name: str, app: App, ctx: BotContext) -> None:
    package = importlib.import_module(package_name)
    for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{package_name}.{info.name}")
        register = getattr(module, "register", None)
        if callable(register):
            register(app, ctx)


def register_all(app: App, ctx: BotContext) -> None:
    for sub in SUBPACKAGES:
        register_package(f"handlers.{sub}", app, ctx)
