"""Slack commands listeners; each module exposes register(app, ctx)."""
