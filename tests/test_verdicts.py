"""What a worker keeps of its engine's verdicts for the ingest role to ask."""

from __future__ import annotations

import msgspec

from wallboard.cluster.verdicts import VerdictBook, Verdicts


def test_only_duplicates_and_conflicts_are_kept_and_the_oldest_go_first() -> None:
    book = VerdictBook(kept=2)
    for seq, result in enumerate(["accepted", "duplicate", "late", "conflict", "duplicate"]):
        book.note(seq, result)  # type: ignore[arg-type]
    # "late" is the single process's "accepted" (its log takes it; its engine drops it).
    assert book.of([0, 1, 2, 3, 4]) == Verdicts({3: "conflict", 4: "duplicate"})


def test_verdicts_cross_nats_as_json_and_back() -> None:
    sent = Verdicts({7: "conflict", 12: "duplicate"})
    assert msgspec.json.decode(msgspec.json.encode(sent), type=Verdicts) == sent
