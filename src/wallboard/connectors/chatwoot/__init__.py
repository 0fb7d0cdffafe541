"""Chatwoot (docs/chatwoot.md): its webhooks' payloads, their translation into Wallboard's
events, and the check of their signature."""
