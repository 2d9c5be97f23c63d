"""Cloud code: everything a Function Compute artifact carries, and nothing else.

The three handlers in ``functions/`` import from here only. Dependencies point one way, and
import-linter holds them there (the contracts at the end of pyproject.toml, explained in
docs/architecture.md#the-layers):

    fc (the handlers' glue) → pipeline (use cases) → ice | storage (adapters) → credentials → config
    → models → errors

Nothing here imports :mod:`scene_select.workstation` (the CLI, the local stack, the engine), nor any
package heavier than httpx, pydantic and oss2 — with one exception: the local bucket's frame previews
(:mod:`scene_select.cloud.storage.local_previews`) import PyAV and Pillow when the local stack runs them.
"""
