"""Slack events listeners; each module exposes register(app, ctx)."""
