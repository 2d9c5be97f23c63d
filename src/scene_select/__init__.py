"""scene-select: Alibaba Cloud ICE scene media selection as event-driven automation.

Two halves, each a package that says where it runs:

- :mod:`scene_select.cloud` — what a Function Compute artifact carries: the handlers' glue, the use
  cases, the ICE and OSS adapters, the wire models;
- :mod:`scene_select.workstation` — what runs on a workstation: the CLI, the embedded local stack and
  the CPU engine.

Importing either is cheap: heavy dependencies are imported only where they are used.
"""

__version__ = "0.1.0"
