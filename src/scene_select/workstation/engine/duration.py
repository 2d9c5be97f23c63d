"""How long the voiceover of one sentence will last.

ICE synthesises the voiceover itself; the engine has to know each sentence's length to pick clips that
cover it. The default is a documented rate model (docs/engine.md#smart-mix, from Chinese news/narration and
English narration rates):

    seconds = (hanzi / 4.5 + latin_words / 2.6 + 0.25 × commas + 0.45 × stops) / speed

where ``speed`` is SpeechConfig.SpeechRate's multiplier (500 → 2×, -500 → 0.5×,
:meth:`SpeechConfig.speed_multiplier`). The trailing stop of a sentence is counted even when the script
omits it, because the reader pauses between sentences anyway.

When the ``espeak-ng`` binary is installed, :func:`espeak_duration` synthesises the sentence at the same
calibrated rate and measures the audio (espeak-ng runs ~500× real time, so this is cheap); it accounts
for numbers, abbreviations and long words the rate model cannot see. It is used only when asked for
(``measure="espeak"``) so that results do not silently depend on what the machine has installed.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import wave
from pathlib import Path

from scene_select.workstation.engine.text import count_pauses, count_units

HANZI_PER_SECOND = 4.5
WORDS_PER_SECOND = 2.6
COMMA_PAUSE = 0.25
STOP_PAUSE = 0.45
MIN_SENTENCE_SECONDS = 1.0

#: espeak-ng ``-s`` (words per minute) that reproduces the rate model: 175 wpm default reads Mandarin
#: at 2.6 hanzi/s and 350 at 4.8/s (measured), so 330 ≈ 4.5/s; English 156 wpm = 2.6 words/s.
ESPEAK_WPM = {"cmn": 330, "en-us": 156}


def rate_model_duration(sentence: str, *, speed: float = 1.0) -> float:
    """Estimated seconds to read ``sentence`` aloud at ``speed`` × normal rate."""
    han, latin = count_units(sentence)
    commas, stops = count_pauses(sentence)
    stops = max(stops, 1)
    seconds = han / HANZI_PER_SECOND + latin / WORDS_PER_SECOND + COMMA_PAUSE * commas + STOP_PAUSE * stops
    return round(max(MIN_SENTENCE_SECONDS, seconds / max(speed, 0.05)), 2)


def espeak_available() -> bool:
    return shutil.which("espeak-ng") is not None


def espeak_duration(sentence: str, *, speed: float = 1.0) -> float | None:
    """Seconds of espeak-ng's rendering of ``sentence``; ``None`` if espeak-ng is missing or fails."""
    binary = shutil.which("espeak-ng")
    if binary is None:
        return None
    han, latin = count_units(sentence)
    voice = "cmn" if han >= latin else "en-us"
    wpm = max(80, min(900, round(ESPEAK_WPM[voice] * speed)))
    with tempfile.TemporaryDirectory(prefix="espeak-") as tmp:
        out = Path(tmp) / "s.wav"
        completed = subprocess.run(
            [binary, "-v", voice, "-s", str(wpm), "-w", str(out), sentence],
            capture_output=True,
            timeout=30,
            check=False,
        )
        if completed.returncode != 0 or not out.is_file():
            return None
        with wave.open(str(out), "rb") as handle:
            seconds = handle.getnframes() / float(handle.getframerate())
    return round(max(MIN_SENTENCE_SECONDS, seconds), 2)


def sentence_duration(sentence: str, *, speed: float = 1.0, measure: str = "model") -> tuple[float, str]:
    """(seconds, how it was obtained: "rate-model" or "espeak-ng")."""
    if measure == "espeak":
        measured = espeak_duration(sentence, speed=speed)
        if measured is not None:
            return measured, "espeak-ng"
    return rate_model_duration(sentence, speed=speed), "rate-model"
