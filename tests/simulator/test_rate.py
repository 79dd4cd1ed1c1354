"""``--rate 10`` (ten times the seed's city: ~165 readings/s plus people and devices) is
sustained by a SQLite server without the simulator falling behind. The full 60-second figure is
in ``docs/benchmarks.md``; this is the short version the suite can afford."""

from __future__ import annotations

from tests.simulator.conftest import City, simulate


def test_rate_10_is_sustained(city: City) -> None:
    stats = simulate(city, seed=3, rate=10, duration=20, status_interval=10.0, poll_interval=2.0)
    print(stats.report())
    assert stats.base_per_s > 150  # what rate 10 asks for at 10:00
    assert stats.readings_generated >= 0.9 * stats.base_per_s * stats.elapsed
    # everything that fell due reached the server, none of it late by more than a batch or two
    assert stats.readings_sent >= 0.97 * stats.readings_generated, stats.report()
    assert stats.achieved_per_s >= 0.95 * stats.requested_per_s
    assert stats.max_lag_s < 3.0, stats.report()
    assert not [k for k in stats.errors if k.startswith("crash")]
