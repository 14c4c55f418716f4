"""The composition root: the one place that knows every layer.

`handlers/` (listeners) → `bot/` (logic) → `models/` (tables): imports point down only, so the
app factory in `bot/` cannot register the listeners. This package sits above all three and
assembles the Bolt app where the command line starts it (`partnerbot serve`).
"""
