"""A ``sleep`` that records instead of waiting, so retry and backoff tests take no wall time.

``IceClient`` and ``OssStore`` take their sleep function as a parameter; a test hands them a
:class:`Sleeps` and then asserts the delays they asked for (``sleeps == [0.375, 0.75]``).
"""

from __future__ import annotations

__all__ = ["Sleeps"]


class Sleeps(list[float]):
    """Call it like ``time.sleep``; it appends the seconds asked for and returns at once."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)
