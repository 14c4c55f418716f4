"""Slack views listeners; each module exposes register(app, ctx)."""
