"""Voiceovers with espeak-ng, loaded from the ``espeakng-loader`` wheel through ctypes.

ICE reads each sentence with one of its TTS voices (``AI_TTS`` clips); locally the nearest free thing is
espeak-ng. The ``espeakng-loader`` wheel (in the ``local`` extra) carries ``libespeak-ng`` and all of its
voice data, so nothing is installed with apt and no binary runs: the C API is called directly
(``espeak_Initialize`` in synchronous mode, a callback collecting 16-bit mono samples at 22 050 Hz). A
whole script takes milliseconds. espeak-ng is GPL-3.0-or-later; it is loaded only here, at run time, and
only on a workstation (docs/rendering.md#voices).

The language comes from the text: any Han character → ``cmn`` (Mandarin; Latin words in it are read as
English), otherwise ``en``. The pace is a words-per-minute base per language, measured against this
library (Mandarin ≈ 3.7 Han characters/s at 175 wpm), times Alibaba's ``SpeechRate`` multiplier
(500 → 2×, −500 → 0.5×). A sentence longer than its slot is read faster, up to 1.6× the requested pace,
and whatever still overflows is cut with a short fade: a voice never runs into the next sentence.

espeak-ng keeps global state and is not thread-safe: every call goes through one process-wide lock.
Where the library or a voice cannot be loaded, :class:`VoiceUnavailable` says why, and the renderer
renders the sentences as subtitles over silence (and says so).
"""

from __future__ import annotations

import array
import ctypes
import re
import threading
import wave
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

__all__ = [
    "BASE_WPM",
    "VoiceClip",
    "VoiceUnavailable",
    "detect_language",
    "speed_multiplier",
    "synthesize",
    "voice_status",
    "write_wav",
]

BASE_WPM: dict[str, int] = {"cmn": 175, "en": 160}
MIN_WPM, MAX_WPM = 80, 900
MAX_FIT_SPEEDUP = 1.6
"""Never read faster than this multiple of the requested pace to fit a sentence into its slot."""

_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
# speak_lib.h constants
_AUDIO_OUTPUT_SYNCHRONOUS = 2
_ESPEAK_RATE = 1
_POS_CHARACTER = 1
_ESPEAK_CHARS_UTF8 = 1
_SYNTH_CALLBACK = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.c_void_p)

Samples = npt.NDArray[np.int16]


class VoiceUnavailable(RuntimeError):  # noqa: N818 - it names a state, as the renderer's warning does
    """espeak-ng cannot be used here (package, library or voice data missing); the message says which."""


@dataclass(frozen=True)
class VoiceClip:
    """One synthesised sentence: 16-bit mono samples."""

    text: str
    language: str  # the espeak-ng voice used: "cmn" or "en"
    wpm: int
    sample_rate: int
    samples: Samples

    @property
    def duration(self) -> float:
        return len(self.samples) / float(self.sample_rate)


def detect_language(text: str) -> str:
    """``cmn`` when the text has a Han character, else ``en``."""
    return "cmn" if _HAN.search(text) else "en"


def speed_multiplier(speech_rate: float | None) -> float:
    """Alibaba's SpeechRate (−500…500) as a pace multiplier: 500 → 2×, 0 → 1×, −500 → 0.5×."""
    rate = max(-500.0, min(500.0, float(speech_rate or 0)))
    return 1.0 / (1.0 - 0.001 * rate) if rate >= 0 else 1.0 / (1.0 - 0.002 * rate)


class _Espeak:
    """The loaded library; one per process."""

    def __init__(self) -> None:
        try:
            import espeakng_loader
        except ImportError as exc:
            raise VoiceUnavailable(
                "the 'espeakng-loader' package is not installed (pip install espeakng-loader)"
            ) from exc
        try:
            data_path = str(espeakng_loader.get_data_path())
            lib = ctypes.CDLL(str(espeakng_loader.get_library_path()))
        except (OSError, RuntimeError) as exc:
            raise VoiceUnavailable(f"libespeak-ng from espeakng-loader cannot be loaded: {exc}") from exc
        lib.espeak_Initialize.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_char_p, ctypes.c_int]
        lib.espeak_Initialize.restype = ctypes.c_int
        lib.espeak_SetVoiceByName.argtypes = [ctypes.c_char_p]
        lib.espeak_SetParameter.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_int]
        lib.espeak_Synth.argtypes = [
            ctypes.c_void_p,
            ctypes.c_size_t,
            ctypes.c_uint,
            ctypes.c_int,
            ctypes.c_uint,
            ctypes.c_uint,
            ctypes.c_void_p,
            ctypes.c_void_p,
        ]
        rate = lib.espeak_Initialize(_AUDIO_OUTPUT_SYNCHRONOUS, 0, data_path.encode(), 0)
        if rate <= 0:
            raise VoiceUnavailable(f"espeak_Initialize failed ({rate}); voice data at {data_path}")
        self.lib = lib
        self.sample_rate = int(rate)
        self.data_path = data_path
        self._buffer = array.array("h")
        self._callback = _SYNTH_CALLBACK(self._collect)  # kept referenced: ctypes must not free it
        lib.espeak_SetSynthCallback(self._callback)
        self._voice: str | None = None

    def _collect(self, wav: Any, count: int, _events: Any) -> int:
        if count > 0:
            self._buffer.frombytes(ctypes.string_at(wav, count * 2))
        return 0

    def speak(self, text: str, voice: str, wpm: int) -> Samples:
        if voice != self._voice:
            status = self.lib.espeak_SetVoiceByName(voice.encode())
            if status != 0:
                raise VoiceUnavailable(f"espeak-ng has no voice {voice!r} (status {status})")
            self._voice = voice
        self.lib.espeak_SetParameter(_ESPEAK_RATE, int(wpm), 0)
        del self._buffer[:]
        data = text.encode("utf-8") + b"\0"
        status = self.lib.espeak_Synth(data, len(data), 0, _POS_CHARACTER, 0, _ESPEAK_CHARS_UTF8, None, None)
        if status != 0:
            raise VoiceUnavailable(f"espeak_Synth failed with status {status}")
        self.lib.espeak_Synchronize()
        return np.frombuffer(self._buffer.tobytes(), dtype="<i2").astype(np.int16)


@dataclass
class _Loaded:
    """The library once loaded, or why it could not be (a failure to load will not succeed later)."""

    engine: _Espeak | None = None
    error: VoiceUnavailable | None = None


_LOCK = threading.Lock()
_LOADED = _Loaded()


def _engine() -> _Espeak:
    """The library, loaded on first use (call with ``_LOCK`` held)."""
    if _LOADED.engine is None and _LOADED.error is None:
        try:
            _LOADED.engine = _Espeak()
        except VoiceUnavailable as exc:
            _LOADED.error = exc
    if _LOADED.engine is None:
        assert _LOADED.error is not None
        raise _LOADED.error
    return _LOADED.engine


def voice_status() -> tuple[bool, str]:
    """(usable, what is used or why not): for summaries and logs."""
    try:
        with _LOCK:
            engine = _engine()
            for voice, wpm in BASE_WPM.items():
                engine.speak("", voice, wpm)
    except VoiceUnavailable as exc:
        return False, str(exc)
    return True, f"espeak-ng (espeakng-loader), {engine.sample_rate} Hz"


def _trim_silence(samples: Samples, threshold: int = 200, keep: int = 220) -> Samples:
    """Drop leading and trailing near-silence, keeping 10 ms of margin."""
    loud = np.flatnonzero(np.abs(samples.astype(np.int32)) > threshold)
    if loud.size == 0:
        return samples[:0]
    return samples[max(0, int(loud[0]) - keep) : min(len(samples), int(loud[-1]) + keep)]


def synthesize(text: str, *, speech_rate: float | None = 0, max_duration: float | None = None) -> VoiceClip:
    """Read ``text``; when ``max_duration`` is given and the reading is longer, read faster (up to
    :data:`MAX_FIT_SPEEDUP` × the pace) and cut what still overflows with a 20 ms fade.

    Raises :class:`VoiceUnavailable` when espeak-ng cannot be used.
    """
    voice = detect_language(text)
    pace = BASE_WPM[voice] * speed_multiplier(speech_rate)
    wpm = max(MIN_WPM, min(MAX_WPM, round(pace)))
    with _LOCK:
        engine = _engine()
        samples = _trim_silence(engine.speak(text, voice, wpm))
        rate = engine.sample_rate
        if max_duration is not None and max_duration > 0:
            limit = int(max_duration * rate)
            ceiling = round(pace * MAX_FIT_SPEEDUP)
            for _ in range(2):  # espeak's length is not exactly proportional to wpm: two steps get within ~1 %
                if len(samples) <= limit:
                    break
                faster = max(MIN_WPM, min(MAX_WPM, ceiling, round(wpm * len(samples) / limit * 1.02)))
                if faster <= wpm:
                    break
                wpm = faster
                samples = _trim_silence(engine.speak(text, voice, wpm))
            if len(samples) > limit:
                samples = samples[:limit].copy()
                fade = min(len(samples), int(0.02 * rate))
                if fade:
                    samples[-fade:] = (samples[-fade:] * np.linspace(1.0, 0.0, fade)).astype(np.int16)
    return VoiceClip(text=text, language=voice, wpm=wpm, sample_rate=rate, samples=samples)


def write_wav(path: Path, samples: npt.NDArray[Any], sample_rate: int) -> Path:
    """16-bit mono PCM from int16 samples, or floats in [−1, 1]."""
    if samples.dtype != np.int16:
        samples = (np.clip(samples, -1.0, 1.0) * 32767.0).astype(np.int16)
    with wave.open(str(path), "wb") as handle:
        handle.setnchannels(1)
        handle.setsampwidth(2)
        handle.setframerate(sample_rate)
        handle.writeframes(samples.astype("<i2").tobytes())
    return path
