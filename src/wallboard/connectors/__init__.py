"""Connectors: contact-center platforms' own webhooks translated into Wallboard's events."""
