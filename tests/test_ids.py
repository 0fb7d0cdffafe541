"""IdSet behaves as a set of strings (up to 64-bit hash collisions, which tests never meet)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from wallboard.engine.ids import IdSet

OPS = st.lists(st.tuples(st.sampled_from(["add", "discard", "has"]),
                         st.integers(0, 3000).map(lambda n: f"e{n}")), max_size=4000)


@settings(max_examples=60, deadline=None)
@given(OPS)
def test_idset_matches_a_python_set(ops: list[tuple[str, str]]) -> None:
    ids, model = IdSet(), set()
    for op, value in ops:
        if op == "add":
            assert ids.add(value) == (value not in model)
            model.add(value)
        elif op == "discard":
            ids.discard(value)
            model.discard(value)
        else:
            assert (value in ids) == (value in model)
    assert len(ids) == len(model)
    assert all(v in ids for v in model)


def test_growing_keeps_every_id_and_drops_the_removed_ones() -> None:
    ids = IdSet()
    names = [f"event-{n}" for n in range(100_000)]
    for name in names:
        assert ids.add(name)
    for name in names[::2]:
        ids.discard(name)
    for n in range(100_000, 150_000):  # forces more growth with deletion markers around
        ids.add(f"event-{n}")
    assert len(ids) == 100_000
    assert all((name in ids) == (i % 2 == 1) for i, name in enumerate(names))
