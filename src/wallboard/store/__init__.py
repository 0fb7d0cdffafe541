"""Durable storage: the event log, accounts, tokens and sessions, checkpoints, history."""

from .sqlite import (
    AccountConfig,
    AccountExists,
    SessionInfo,
    Store,
    TokenInfo,
    UnknownAccount,
)

__all__ = ["AccountConfig", "AccountExists", "SessionInfo", "Store", "TokenInfo",
           "UnknownAccount"]
