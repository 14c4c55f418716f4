"""Slack middleware listeners; each module exposes register(app, ctx)."""
