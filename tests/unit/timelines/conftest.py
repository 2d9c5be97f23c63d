"""Real media for the timeline tests, made once per session by FFmpeg (the imageio-ffmpeg binary);
nothing is downloaded or committed. Laid out as a local bucket: ``<root>/inbox/smart-mix/seaside/…``."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from timeline_fixtures import BATCH, MEDIA, STILL


def _ffmpeg() -> str:
    imageio_ffmpeg = pytest.importorskip("imageio_ffmpeg", reason="FFmpeg (the local extra) makes the test media")
    return str(imageio_ffmpeg.get_ffmpeg_exe())


@pytest.fixture(scope="session")
def bucket_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    ffmpeg = _ffmpeg()
    root = tmp_path_factory.mktemp("timeline-bucket")
    folder = root / BATCH
    folder.mkdir(parents=True)
    for name, (rate, seconds, extra, audio) in MEDIA.items():
        command = [ffmpeg, "-v", "error", "-y", "-f", "lavfi", "-i", f"testsrc2=size=160x90:rate={rate}"]
        if audio:
            command += ["-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000", "-c:a", "aac", "-shortest"]
        command += ["-t", str(seconds), "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p"]
        command += ["-threads", "1", *extra, str(folder / name)]
        subprocess.run(command, check=True)
    subprocess.run(
        [
            ffmpeg,
            "-v",
            "error",
            "-y",
            "-f",
            "lavfi",
            "-i",
            "testsrc2=size=160x90",
            "-frames:v",
            "1",
            str(folder / STILL),
        ],
        check=True,
    )
    return root
