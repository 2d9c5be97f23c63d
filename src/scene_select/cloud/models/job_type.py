"""The two JobTypes SubmitSceneMediaSelectionJob accepts, apart from the config models.

Bucket layout and run records need the JobType and nothing else of :mod:`scene_select.cloud.models.job_config`;
keeping it here spares the callback function from building the config models it never validates.
"""

from __future__ import annotations

from enum import Enum

from scene_select.cloud.errors import JobConfigError

__all__ = ["JobType"]


class JobType(str, Enum):
    """The two JobTypes SubmitSceneMediaSelectionJob accepts."""

    SMART_MIX = "Smart_Mix_Media_Select"
    HIGHLIGHTS = "Screen_Media_Highlights_Media_Select"

    @classmethod
    def parse(cls, value: str) -> JobType:
        """The JobType for a wire value, or a JobConfigError listing the accepted values."""
        try:
            return cls(value)
        except ValueError:
            accepted = ", ".join(member.value for member in cls)
            raise JobConfigError(f"JobType: {value!r} is not supported; use one of {accepted}") from None
