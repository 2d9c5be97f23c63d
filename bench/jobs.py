"""Selection jobs for the engine benchmarks: the requests, run in this process or in a fresh one.

In-process runs share the loaded models (OCR, jieba) and measure the steady state a running emulator
has; a fresh process measures one job alone, its peak resident memory included (VmHWM).
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from bench.common import child_environ
from scene_select.cloud.models.job_config import SelectionJobRequest
from scene_select.workstation.engine import run_selection

SMART_MIX = "Smart_Mix_Media_Select"
HIGHLIGHTS = "Screen_Media_Highlights_Media_Select"
SCRIPT = (
    "海边的日落非常美丽。A red fox jumps over the fence. 图书馆里的学生正在安静地读书。Mountain bikes race downhill."
)


def request(job_type: str, media: list[Path]) -> SelectionJobRequest:
    """A smart-mix job (a four-sentence script over the media) or a 20 s highlight job."""
    entries = [str(path) for path in media]
    if job_type == SMART_MIX:
        config: dict[str, Any] = {"MediaArray": entries, "SpeechTextArray": [SCRIPT]}
    else:
        config = {"MediaArray": entries, "HighlightStrategy": {"TargetDuration": 20}}
    return SelectionJobRequest.from_wire(job_type, config, {"Count": 1})


def run_here(job_type: str, media: list[Path], cache: Path, *, sight: bool = True) -> float:
    """Seconds one job takes in this process (the analysis cache is ``cache``); ``sight`` as the engine's."""
    started = time.perf_counter()
    result = run_selection(request(job_type, media), cache_dir=cache, sight=sight)
    seconds = time.perf_counter() - started
    _check(result)
    return seconds


CHILD = """
import json, sys, time
from pathlib import Path
from bench.jobs import request, _check, peak_mib
from scene_select.workstation.engine import run_selection
job_type, media, cache = sys.argv[1], [Path(p) for p in json.loads(sys.argv[2])], Path(sys.argv[3])
sight = sys.argv[4] == "sight"
job = request(job_type, media)
started = time.perf_counter()
result = run_selection(job, cache_dir=cache, sight=sight)
seconds = time.perf_counter() - started
_check(result)
print(json.dumps({"seconds": seconds, "peak_mib": peak_mib()}))
"""


def peak_mib() -> float:
    """This process's peak resident memory. VmHWM, not ru_maxrss: Linux carries ru_maxrss over from the
    parent across fork+exec, so a child of a big parent would report the parent's size."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_fresh(job_type: str, media: list[Path], cache: Path, *, sight: bool = True) -> tuple[float, float]:
    """(seconds, peak resident MiB) of one job in a fresh interpreter (imports and model loading included)."""
    mode = "sight" if sight else "no-sight"
    result = subprocess.run(
        [sys.executable, "-c", CHILD, job_type, json.dumps([str(p) for p in media]), str(cache), mode],
        cwd=Path(__file__).resolve().parent.parent,
        env=child_environ({}),
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"engine job failed:\n{result.stderr[-3000:]}")
    answer = json.loads(result.stdout.strip().splitlines()[-1])
    return float(answer["seconds"]), float(answer["peak_mib"])


def _check(result: dict[str, Any]) -> None:
    """A job that selected nothing measured nothing."""
    if result.get("mediaErrorList"):
        raise RuntimeError(f"media errors: {result['mediaErrorList']}")
    outputs = result.get("textMatchMediaOutputList") or result.get("highlightMediaOutputList") or []
    if not outputs:
        raise RuntimeError(f"the job selected nothing: {json.dumps(result)[:500]}")
