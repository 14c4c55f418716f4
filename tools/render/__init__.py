"""Render every Slack surface partnerbot builds to HTML and PNG (see `make screenshots`)."""
