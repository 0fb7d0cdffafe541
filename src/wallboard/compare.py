"""Where two snapshots (as JSON) differ, for the tests and benchmarks that check one way of
counting a day against another (a connector against the events API, a cluster against one
process)."""

from __future__ import annotations

from typing import Any

__all__ = ["differences", "figures"]


def figures(snapshot: dict[str, Any], leave_out: tuple[str, ...] = ("name", "kind",
                                                                     "longest_wait_s",
                                                                     "windows")
            ) -> dict[str, Any]:
    """Every row's figures, rows in id order, without ``leave_out`` (by default the names,
    and what moves with the clock between two snapshots' moments: the longest wait, and the
    rolling windows, which step by the minute)."""
    def row(r: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in r.items() if k not in leave_out}
    return {"total": row(snapshot["total"]),
            "channels": sorted((row(c) for c in snapshot["channels"]), key=lambda r: r["id"]),
            "groups": sorted((row(g) for g in snapshot["groups"]), key=lambda r: str(r["id"]))}


def differences(got: Any, want: Any, path: str = "") -> list[str]:
    """Where two JSON values differ, each as ``path: got != want``."""
    if isinstance(got, dict) and isinstance(want, dict):
        return [d for k in sorted(set(got) | set(want), key=str)
                for d in differences(got.get(k), want.get(k), f"{path}.{k}")]
    if isinstance(got, list) and isinstance(want, list) and len(got) == len(want):
        return [d for i, (g, w) in enumerate(zip(got, want, strict=True))
                for d in differences(g, w, f"{path}[{i}]")]
    return [] if got == want else [f"{path}: {got!r} != {want!r}"]
