"""OpenTimelineIO is loaded by the export only: the handlers' cold start does not change."""

from __future__ import annotations

import json
import subprocess
import sys

PROGRAM = """
import json, sys
import scene_select.cloud.fc.handlers, scene_select.cloud.pipeline.callback
import scene_select.cloud.timelines
from scene_select.cloud.timelines import export_selection, format_for_path, store_media_info
before = sorted(m for m in sys.modules if m.split(".")[0] in ("opentimelineio", "otio_fcp_adapter"))
export = export_selection({"kind": "empty", "outputs": []}, lambda clip: None)
print(json.dumps({"before": before, "after": "opentimelineio" in sys.modules}))
"""


def test_importing_the_handlers_and_the_timelines_api_does_not_load_opentimelineio() -> None:
    result = subprocess.run([sys.executable, "-c", PROGRAM], capture_output=True, text=True, check=True, timeout=120)
    loaded = json.loads(result.stdout.strip().splitlines()[-1])
    assert loaded == {"before": [], "after": True}  # the first export call loads it, nothing before
