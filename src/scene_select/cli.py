"""The ``scene-select`` command: parse and validate arguments, call the library, print a summary.

No business logic lives here (see ARCHITECTURE.md, "The CLI contract"): each command turns its
arguments into library calls and turns the outcome, or a :class:`~scene_select.errors.SceneSelectError`,
into readable output and an exit code. ``--json`` output is for programs; everything else is for people.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence

from scene_select.errors import SceneSelectError

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_USAGE = 2

Command = Callable[[argparse.Namespace], int]


def _cmd_demo(args: argparse.Namespace) -> int:
    print(
        "scene-select demo will run the whole chain offline: generate sample footage with captions and a\n"
        "voiceover script plus a long video for highlights, start the embedded ICE emulator and bucket\n"
        "directory, upload the batches, wait for the selection jobs and print a summary with the paths of\n"
        "selection.json and report.html. It arrives with issue #4 (the pipeline); it is not built yet.",
        file=sys.stderr,
    )
    return EXIT_USAGE


def build_parser() -> argparse.ArgumentParser:
    """Build the argument parser; every subcommand sets ``func`` to its handler."""
    parser = argparse.ArgumentParser(
        prog="scene-select",
        description="Run Alibaba Cloud ICE scene media selection jobs, in the cloud or fully offline.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True

    demo = sub.add_parser("demo", help="run the whole chain offline on generated sample media")
    demo.add_argument("--state-dir", default=".state/demo", help="where the demo keeps its bucket and state")
    demo.set_defaults(func=_cmd_demo)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``scene-select`` console script."""
    parser = build_parser()
    args = parser.parse_args(argv)
    func: Command = args.func
    try:
        return func(args)
    except SceneSelectError as exc:
        print(f"scene-select: error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("scene-select: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
