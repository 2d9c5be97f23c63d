"""scene-select: Alibaba Cloud ICE scene media selection as event-driven automation.

The package is the library behind the Function Compute handlers in ``functions/``, the
``scene-select`` command and the embedded local stack. Importing it is cheap: heavy
dependencies (the engine's decoders and models) are imported only where they are used.
"""

__version__ = "0.1.0"
