"""``python -m scene_select.workstation.cli``: the same as the ``scene-select`` command."""

import sys

from scene_select.workstation.cli import main

sys.exit(main())
