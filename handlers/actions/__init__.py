"""Slack actions listeners; each module exposes register(app, ctx)."""
