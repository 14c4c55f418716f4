"""partnerbot: a Slack bot that runs a vendor's partner-to-partner ecosystem."""
