"""Durable storage: the event log, accounts and tokens, engine checkpoints."""

from .sqlite import AccountConfig, AccountExists, Store, TokenInfo, UnknownAccount

__all__ = ["AccountConfig", "AccountExists", "Store", "TokenInfo", "UnknownAccount"]
