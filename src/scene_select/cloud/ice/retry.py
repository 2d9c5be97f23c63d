"""How long to wait between attempts: bounded exponential backoff with jitter.

Jitter spreads the retries of many FC instances that were throttled together, so they do not all come
back in the same instant and get throttled again. Every delay stays within ``max_delay`` so that the
total retry time fits comfortably inside a function's timeout.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["RetryPolicy"]


@dataclass(frozen=True)
class RetryPolicy:
    """``max_attempts`` tries in all; before try n+1 wait between half and all of ``base * 2**(n-1)``."""

    max_attempts: int = 4
    base_delay: float = 0.5
    max_delay: float = 8.0

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError(f"max_attempts must be at least 1, got {self.max_attempts}")
        if self.base_delay < 0 or self.max_delay < 0:
            raise ValueError("retry delays cannot be negative")

    def delay(self, attempt: int, jitter: float, *, retry_after: float | None = None) -> float:
        """Seconds to wait after failed try ``attempt`` (1-based); ``jitter`` is uniform in [0, 1).

        A server's Retry-After is honoured when it asks for longer, still capped at ``max_delay``.
        """
        ceiling = min(self.max_delay, self.base_delay * 2.0 ** (attempt - 1))
        wait = ceiling / 2 + ceiling / 2 * jitter
        if retry_after is not None:
            wait = max(wait, retry_after)
        return min(wait, self.max_delay)
