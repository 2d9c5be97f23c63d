"""Backoff is exponential, jittered, bounded, and honours a server's Retry-After within the bound."""

from __future__ import annotations

import pytest

from scene_select.cloud.ice.retry import RetryPolicy


def test_delays_grow_and_stay_within_half_to_full_ceiling() -> None:
    policy = RetryPolicy(base_delay=0.5, max_delay=8.0)
    for attempt, ceiling in [(1, 0.5), (2, 1.0), (3, 2.0), (4, 4.0), (5, 8.0), (9, 8.0)]:
        assert policy.delay(attempt, 0.0) == ceiling / 2
        assert policy.delay(attempt, 0.999) == pytest.approx(ceiling * 0.9995)


def test_retry_after_wins_when_longer_but_never_beyond_the_cap() -> None:
    policy = RetryPolicy(base_delay=0.5, max_delay=8.0)
    assert policy.delay(1, 0.0, retry_after=3.0) == 3.0
    assert policy.delay(1, 0.0, retry_after=600.0) == 8.0
    assert policy.delay(4, 1.0, retry_after=0.1) == 4.0


@pytest.mark.parametrize("options", [{"max_attempts": 0}, {"base_delay": -1.0}])
def test_nonsense_policies_are_refused(options: dict[str, float]) -> None:
    with pytest.raises(ValueError):
        RetryPolicy(**options)  # type: ignore[arg-type]
