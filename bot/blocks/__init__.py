"""Block Kit built by small pure functions; nothing here touches Slack or the database."""
