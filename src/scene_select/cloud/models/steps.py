"""The steps of a run and what a batch asks them to produce: two small enums that the run records, the
callback and the bucket views read, kept apart from the request models of the later steps (which load
the whole job configuration and are needed only when a run goes on)."""

from __future__ import annotations

from enum import Enum

from scene_select.cloud.errors import JobConfigError

__all__ = ["Produce", "Step"]


class Step(str, Enum):
    """The steps of a run, in order; each is one ICE job."""

    SELECTION = "selection"
    TIMELINE = "timeline"
    RENDER = "render"


class Produce(str, Enum):
    """What a batch asks for: a selection only, videos, or videos after a person approves the selection."""

    SELECTION = "selection"
    VIDEO = "video"
    REVIEW = "review"

    @property
    def steps(self) -> tuple[Step, ...]:
        """The steps a run of this kind goes through, in order."""
        return (Step.SELECTION,) if self is Produce.SELECTION else (Step.SELECTION, Step.TIMELINE, Step.RENDER)

    @classmethod
    def parse(cls, value: object, *, where: str) -> Produce:
        """``selection``, ``video`` or ``review`` (any case); anything else is a JobConfigError naming ``where``."""
        if isinstance(value, str):
            try:
                return cls(value.strip().lower())
            except ValueError:
                pass
        raise JobConfigError(f"{where}: Produce must be one of selection, video or review, got {value!r}")
