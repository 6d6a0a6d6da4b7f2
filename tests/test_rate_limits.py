"""The rate limiter's in-memory counts (isoko/rate_limits.py): same verdicts, old events dropped lazily."""

import time

from limits import parse, strategies
from limits.storage import storage_from_string

from isoko.rate_limits import LazyMemoryStorage


def test_counts_like_the_library_and_drops_expired_events():
    storage = storage_from_string("isoko-memory://")
    assert isinstance(storage, LazyMemoryStorage)
    limiter, limit = strategies.MovingWindowRateLimiter(storage), parse("3/second")
    assert [limiter.hit(limit, "client") for _ in range(4)] == [True, True, True, False]
    time.sleep(1.05)
    assert limiter.hit(limit, "client")  # the window moved on, whether or not the events were dropped yet
    # the timer runs once per hit that finds it stopped: the three expired hits go, the last may stay
    deadline = time.monotonic() + 5
    while sum(map(len, storage.events.values())) > 1 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert sum(map(len, storage.events.values())) <= 1, "expired events are dropped by the timer"
