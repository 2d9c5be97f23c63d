"""The running local stack, for pipeline tests."""

from __future__ import annotations

from support.stack import stack

__all__ = ["stack"]
