"""An account's engine as it was last saved, ready for the events after it: the single
process's hub and the cluster's engine workers load it the same way.

From the checkpoint when it can be read (else a new engine: the log, or the stream, still
holds every event, and replaying them all rebuilds it exactly); conversations leaving memory
from now on are kept in the store, the first day whose conversations are all kept noted
once; and the rows count by their own service-level thresholds before any event is applied
(a checkpoint holds them already, so nothing is counted twice).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from ..engine import Account
from ..engine.calendar import ordinal_iso
from ..store import AccountConfig, Store
from .explain import KEPT_SINCE_SETTING, in_memory_from
from .thresholds import THRESHOLDS_SETTING, apply_sl_thresholds, load_thresholds

__all__ = ["Loaded", "load_engine"]

log = logging.getLogger("wallboard.loading")


@dataclass
class Loaded:
    engine: Account
    seq: int  # the position (log or stream sequence) its state holds; 0: none
    unreadable: bool  # a checkpoint was there but could not be read


def load_engine(config: AccountConfig, store: Store, now: int,
                log_began: Callable[[], int | None] | None = None) -> Loaded:
    """The account's engine at its last checkpoint. ``log_began`` tells when the account's
    log began (None: empty) for an engine to be built from all of it; without it, the days
    still in memory are the first whose conversations are all kept."""
    engine, seq, unreadable = None, 0, False
    saved = store.load_checkpoint(config.id)
    if saved is not None:
        try:
            engine, seq = Account.loads(saved.state), saved.seq
        except Exception:  # damaged, or another release's: the events are all still there
            log.warning("checkpoint of %s unreadable; replaying its whole log", config.id)
            unreadable = True
    if engine is None:
        engine = Account(config.id, config.timezone, config.sl_threshold_s,
                         config.default_max_chats)
    if engine.retired is None:  # new, or from before conversations were kept
        engine.retired = []
        if store.setting(config.id, KEPT_SINCE_SETTING) is None:
            if log_began is not None and seq == 0:  # to be built from the whole log
                began = log_began()
                since = engine.calendar.day_of(now if began is None else began)
            else:
                since = in_memory_from(engine, now)
            store.save_setting(config.id, KEPT_SINCE_SETTING, ordinal_iso(since).encode())
    apply_sl_thresholds(engine, load_thresholds(store.setting(config.id, THRESHOLDS_SETTING)))
    return Loaded(engine, seq, unreadable)
