"""An export in parts (`wire`): id windows that ask for every task once, and fetching ahead with bounded memory."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cartel_fto_corpus.labelstudio import wire


@given(st.integers(0, 3000), st.integers(1, 10**6), st.integers(1, 3000), st.integers(1, 400))
def test_id_windows_ask_for_every_id_once_or_leave_it_to_one_request(total: int, first: int, span: int, part: int) -> None:
    last = first + span - 1
    windows = wire.id_windows(total, first, last, part)
    one_request = total <= part or span < total or span > total / wire.MIN_ID_DENSITY
    assert (windows is None) == one_request
    if windows is not None:
        asked = [i for lo, hi in windows for i in range(lo, hi + 1)]
        assert asked == list(range(first, last + 1))  # each id once, in order: tasks come back in id order
        assert all(hi - lo + 1 <= part for lo, hi in windows)
        assert len(windows) == -(-span // part)


def test_fetched_ahead_keeps_order_and_stays_at_most_two_ahead() -> None:
    import threading
    import time

    started: list[int] = []
    lock = threading.Lock()

    def fetch(k: int) -> int:
        with lock:
            started.append(k)
        return k * k

    got = []
    for k, value in enumerate(wire.fetched_ahead(fetch, list(range(20)))):
        time.sleep(0.01)  # a slow consumer: the thread would run far ahead if nothing held it
        with lock:
            assert max(started) <= k + 2, (k, started)
        got.append(value)
    assert got == [k * k for k in range(20)]


def test_a_failed_fetch_is_raised_in_order_and_nothing_after_it_is_fetched() -> None:
    started: list[int] = []

    def fetch(k: int) -> int:
        started.append(k)
        if k == 3:
            raise RuntimeError("part 3 failed")
        return k

    got = []
    with pytest.raises(RuntimeError, match="part 3 failed"):
        for value in wire.fetched_ahead(fetch, list(range(10))):
            got.append(value)
    assert got == [0, 1, 2]
    assert started == [0, 1, 2, 3]


def test_closing_stops_the_fetching() -> None:
    import threading

    started: list[int] = []
    gate = threading.Event()

    def fetch(k: int) -> int:
        started.append(k)
        gate.wait(5)
        return k

    parts = wire.fetched_ahead(fetch, list(range(100)))
    gate.set()
    assert next(parts) == 0
    parts.close()
    names = {t.name for t in threading.enumerate()}
    for _ in range(50):  # the thread ends after the fetch in flight
        if "cartel-fto-export-parts" not in names:
            break
        threading.Event().wait(0.05)
        names = {t.name for t in threading.enumerate()}
    assert "cartel-fto-export-parts" not in names
    assert len(started) <= 4
