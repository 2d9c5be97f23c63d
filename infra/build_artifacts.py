#!/usr/bin/env python3
"""Build the Function Compute artifacts: build/<fn>/ and build/<fn>.zip for each functions/<fn>/.

Each artifact is what FC unpacks into /code (which is on sys.path):

    index.py (and any other file of functions/<fn>/)
    scene_select/cloud/      the cloud half of the library, whole (a wheel of scene_select/__init__.py and
                             scene_select/cloud/ only: the workstation package is never copied), no extras
    httpx/ pydantic/ oss2/ … its runtime dependencies as wheels for the FC runtime

FC runs Linux x86_64 and python3.10 (s.yaml), so dependencies are installed with
``pip install --target … --platform manylinux2014_x86_64 --only-binary=:all: --python-version 3.10
--implementation cp`` — pydantic-core is compiled, and a wheel for the building machine's Python would
not load in FC. Some dependencies publish no wheel at all (oss2, aliyun-python-sdk-core, crcmod); those
are built here as pure-Python wheels first (crcmod with its C extension switched off: oss2 then
computes CRC64 in Python, which is fine for the small objects the functions handle). A dependency
that has no wheel and cannot be built as pure Python stops the build with its name.

Then the tree is stripped of what the installed packages bring along (``__pycache__``, ``tests``
folders, console scripts in ``bin/``, the RECORD/INSTALLER/REQUESTED/direct_url.json files of
``*.dist-info``), checked for heavy packages that must never reach FC (av, numpy, …), compiled to
bytecode, and zipped deterministically.

Bytecode matters more than anything else for a cold start: FC unpacks the code into a fresh (and
read-only) /code for every instance, so without .pyc files every cold start compiles every module of
httpx, pydantic, oss2 and scene-select from source — measured at ~2 s against ~0.6 s with bytecode
(bench/artifact_size.py). The .pyc files must come from the FC runtime's CPython version, so the build
looks for that interpreter (``python3.10`` on PATH, or under pyenv); ``unchecked-hash`` pyc files are
used as they are, whatever timestamps the unpacked files get. Without such an interpreter the artifact
is built without bytecode, and the build says so.

Usage:  python3 infra/build_artifacts.py [FUNCTION ...] [--python-version 3.10] [--out build] [--no-zip]
                                         [--bytecode-python PATH | --no-bytecode]
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
FUNCTIONS_DIR = REPO_ROOT / "functions"
PLATFORM = "manylinux2014_x86_64"
FC_PYTHON_VERSION = "3.10"
KNOWN_SDIST_ONLY = ("oss2", "aliyun-python-sdk-core", "crcmod")
FORBIDDEN = ("av", "numpy", "scipy", "cv2", "onnxruntime", "PIL", "imageio_ffmpeg", "rapidocr_onnxruntime", "jieba")
DIST_INFO_NOISE = ("RECORD", "INSTALLER", "REQUESTED", "direct_url.json")
# What of src/ an artifact carries: the package root and the cloud package, whole. Everything else
# (scene_select.workstation: the CLI, the local stack, the engine) never reaches FC.
# bench/artifact_size.py checks that the three functions together import every module of it.
CLOUD_SOURCES = ("scene_select/__init__.py", "scene_select/py.typed", "scene_select/cloud")
ZIP_LIMIT_BYTES = 100 * 1024 * 1024  # FC's limit for a code package uploaded as base64 through the API
_NO_MATCH = re.compile(r"No matching distribution found for ([A-Za-z0-9_.\-]+)")
_ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)


class BuildError(Exception):
    """The artifact cannot be built; the message says why and what to do."""


@dataclass(frozen=True)
class Artifact:
    name: str
    directory: Path
    zip_path: Path | None
    files: int
    unpacked_bytes: int
    zip_bytes: int | None
    bytecode: str | None = None  # the interpreter that compiled the .pyc files, None when there are none


def build(
    functions: list[str],
    *,
    out: Path,
    python_version: str = FC_PYTHON_VERSION,
    make_zip: bool = True,
    quiet: bool = True,
    bytecode_python: str | None = "auto",
) -> list[Artifact]:
    """Build each named function (all under functions/ when the list is empty).

    ``bytecode_python`` compiles the .pyc files: "auto" finds a CPython of ``python_version``, a path
    uses that interpreter (it must be that version), None ships source only.
    """
    names = functions or sorted(p.name for p in FUNCTIONS_DIR.iterdir() if (p / "index.py").is_file())
    for name in names:
        if not (FUNCTIONS_DIR / name / "index.py").is_file():
            raise BuildError(f"no function {name!r}: expected {FUNCTIONS_DIR / name / 'index.py'}")
    out.mkdir(parents=True, exist_ok=True)
    wheelhouse = out / ".wheelhouse"
    wheelhouse.mkdir(exist_ok=True)
    compiler = find_interpreter(python_version) if bytecode_python == "auto" else bytecode_python
    if compiler is not None and bytecode_python != "auto" and _version_of(compiler) != python_version:
        raise BuildError(f"{compiler} is not CPython {python_version}; its bytecode would not load in FC")
    if compiler is None and bytecode_python == "auto":
        print(
            f"warning: no CPython {python_version} found (python{python_version} on PATH or under pyenv): the "
            "artifacts carry no bytecode, and every FC cold start will compile every module (~2 s)",
            file=sys.stderr,
        )
    with tempfile.TemporaryDirectory(prefix="scene-select-wheel-") as scratch:
        library = _library_wheel(Path(scratch), quiet=quiet)
        return [
            _build_one(
                name,
                library,
                wheelhouse,
                out=out,
                python_version=python_version,
                make_zip=make_zip,
                quiet=quiet,
                compiler=compiler,
            )
            for name in names
        ]


def find_interpreter(version: str) -> str | None:
    """A CPython ``version`` (e.g. "3.10") on this machine: this one, python<version> on PATH, or pyenv's."""
    candidates = [sys.executable, shutil.which(f"python{version}")]
    pyenv_root = Path(os.environ.get("PYENV_ROOT") or Path.home() / ".pyenv")
    candidates += [str(p) for p in sorted(pyenv_root.glob(f"versions/{version}.*/bin/python{version}"))]
    for candidate in candidates:
        if candidate and _version_of(candidate) == version:
            return candidate
    return None


def _version_of(interpreter: str) -> str | None:
    try:
        result = subprocess.run(
            [interpreter, "-I", "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
    except OSError:
        return None
    return result.stdout.strip() if result.returncode == 0 else None


def _build_one(
    name: str,
    library: Path,
    wheelhouse: Path,
    *,
    out: Path,
    python_version: str,
    make_zip: bool,
    quiet: bool,
    compiler: str | None,
) -> Artifact:
    target = out / name
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    _install(library, target, wheelhouse, python_version=python_version, quiet=quiet)
    _strip(target)
    _refuse_heavy(target, name)
    _copy_function(FUNCTIONS_DIR / name, target)
    if compiler is not None:
        _compile(target, compiler)
    files = [p for p in target.rglob("*") if p.is_file()]
    zip_path = _zip(target, out / f"{name}.zip") if make_zip else None
    return Artifact(
        name=name,
        directory=target,
        zip_path=zip_path,
        files=len(files),
        unpacked_bytes=sum(p.stat().st_size for p in files),
        zip_bytes=zip_path.stat().st_size if zip_path else None,
        bytecode=compiler,
    )


def _compile(target: Path, interpreter: str) -> None:
    """Bytecode for every module, by the FC runtime's CPython, used as-is (unchecked-hash)."""
    result = subprocess.run(
        [interpreter, "-I", "-m", "compileall", "-q", "-j", "0", "--invalidation-mode", "unchecked-hash", str(target)],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise BuildError(
            f"compiling {target.name} with {interpreter} failed:\n{(result.stdout + result.stderr)[-3000:]}"
        )


def _library_wheel(scratch: Path, *, quiet: bool) -> Path:
    """A wheel of the cloud half of this repository (scene-select, no extras, no dependencies).

    Built from a copy of pyproject.toml, README.md and the cloud package (CLOUD_SOURCES) so that the
    artifact carries whole packages and nothing of the workstation, and setuptools' own build/ folder
    never mixes with the artifacts in ours.
    """
    source = scratch / "source"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(REPO_ROOT / name, source / name)
    for relative in CLOUD_SOURCES:
        origin, copy = REPO_ROOT / "src" / relative, source / "src" / relative
        copy.parent.mkdir(parents=True, exist_ok=True)
        if origin.is_dir():
            shutil.copytree(origin, copy, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            shutil.copy2(origin, copy)
    _pip(["wheel", "--no-deps", "--wheel-dir", str(scratch), str(source)], quiet=quiet)
    wheels = sorted(scratch.glob("scene_select-*.whl"))
    if len(wheels) != 1:
        raise BuildError(f"building the scene-select wheel produced {[w.name for w in wheels]}")
    return wheels[0]


def _install(library: Path, target: Path, wheelhouse: Path, *, python_version: str, quiet: bool) -> None:
    """pip install the library wheel and its dependencies for the FC platform into ``target``.

    Dependencies without any wheel are built as pure-Python wheels into ``wheelhouse`` (found with
    --find-links) — the known ones up front, any other one when pip names it.
    """
    _ensure_pure_wheels(KNOWN_SDIST_ONLY, wheelhouse, quiet=quiet)
    command = [
        "install",
        "--target",
        str(target),
        "--platform",
        PLATFORM,
        "--only-binary=:all:",
        "--python-version",
        python_version,
        "--implementation",
        "cp",
        "--find-links",
        str(wheelhouse),
        str(library),
    ]
    built: set[str] = set()
    while True:
        result = _pip(command, quiet=quiet, check=False)
        if result.returncode == 0:
            return
        missing = _NO_MATCH.search(result.stderr + result.stdout)
        if missing is None:
            raise BuildError(f"pip install for {target.name} failed:\n{result.stderr[-3000:]}")
        requirement = re.split(r"[<>=!~;\[ ]", missing.group(1), maxsplit=1)[0]
        if requirement.lower() in built:
            raise BuildError(
                f"{requirement} has no wheel for {PLATFORM} / CPython {python_version} and does not build as "
                "pure Python; it cannot run in FC's python runtime (pick another library or a custom runtime)"
            )
        built.add(requirement.lower())
        shutil.rmtree(target)
        target.mkdir()
        _ensure_pure_wheels((requirement,), wheelhouse, quiet=quiet)


def _ensure_pure_wheels(requirements: tuple[str, ...], wheelhouse: Path, *, quiet: bool) -> None:
    """Build pure-Python wheels for sdist-only packages (C extensions off: CC=false)."""
    wanted = [r for r in requirements if not _has_wheel(wheelhouse, r)]
    if not wanted:
        return
    environment = {**os.environ, "CC": "false", "CXX": "false"}
    _pip(
        ["wheel", "--no-deps", "--no-cache-dir", "--wheel-dir", str(wheelhouse), *wanted], quiet=quiet, env=environment
    )
    for requirement in wanted:
        for wheel in wheelhouse.glob(f"{_wheel_stem(requirement)}-*.whl"):
            if not wheel.name.endswith("-none-any.whl"):
                wheel.unlink()
                raise BuildError(f"{requirement} built only as a platform wheel ({wheel.name}); FC needs pure Python")


def _has_wheel(wheelhouse: Path, requirement: str) -> bool:
    return any(wheelhouse.glob(f"{_wheel_stem(requirement)}-*-none-any.whl"))


def _wheel_stem(requirement: str) -> str:
    return re.sub(r"[-_.]+", "_", requirement).lower()


def _strip(target: Path) -> None:
    """Remove what FC never needs: byte code, test folders, console scripts, install bookkeeping."""
    shutil.rmtree(target / "bin", ignore_errors=True)
    for folder in sorted(target.rglob("*"), reverse=True):
        if folder.is_dir() and folder.name in ("__pycache__", "tests", "test"):
            shutil.rmtree(folder)
    for dist_info in target.glob("*.dist-info"):
        for noise in DIST_INFO_NOISE:
            (dist_info / noise).unlink(missing_ok=True)
    for compiled in target.rglob("*.py[co]"):
        compiled.unlink()


def _refuse_heavy(target: Path, name: str) -> None:
    present = [package for package in FORBIDDEN if (target / package).exists()]
    if present:
        raise BuildError(
            f"{name}: heavy packages {present} reached the FC artifact; they belong to the 'local' extra and "
            "must be imported lazily, never from code the functions import"
        )


def _copy_function(source: Path, target: Path) -> None:
    for item in sorted(source.iterdir()):
        if item.name == "__pycache__" or item.suffix in (".pyc", ".pyo"):
            continue
        destination = target / item.name
        if destination.exists():
            raise BuildError(f"{source / item.name} collides with {destination.name} of an installed package")
        if item.is_dir():
            shutil.copytree(item, destination, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            shutil.copy2(item, destination)


def _zip(directory: Path, destination: Path) -> Path:
    """A deterministic zip (sorted entries, fixed timestamps) of the directory's contents."""
    destination.unlink(missing_ok=True)
    with zipfile.ZipFile(destination, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for path in sorted(p for p in directory.rglob("*") if p.is_file()):
            info = zipfile.ZipInfo(path.relative_to(directory).as_posix(), date_time=_ZIP_EPOCH)
            info.external_attr = (0o755 if os.access(path, os.X_OK) else 0o644) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, path.read_bytes())
    return destination


def _pip(
    arguments: list[str], *, quiet: bool, check: bool = True, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "pip", *arguments, "--disable-pip-version-check"]
    if quiet:
        command.append("--quiet")
    result = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
    if check and result.returncode != 0:
        raise BuildError(f"{' '.join(command[3:5])} failed:\n{result.stderr[-3000:]}")
    return result


def _megabytes(size: int) -> str:
    return f"{size / 1024 / 1024:.1f} MB"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Build the FC artifacts build/<fn>/ and build/<fn>.zip.")
    parser.add_argument("functions", nargs="*", help="function names under functions/ (default: all)")
    parser.add_argument("--python-version", default=FC_PYTHON_VERSION, help="CPython version of the FC runtime")
    parser.add_argument("--out", type=Path, default=REPO_ROOT / "build", help="output folder (default: build/)")
    parser.add_argument("--no-zip", action="store_true", help="only build the folders")
    parser.add_argument("--bytecode-python", default="auto", help="CPython of --python-version that compiles .pyc")
    parser.add_argument("--no-bytecode", action="store_true", help="ship source only (slower FC cold starts)")
    options = parser.parse_args(argv)
    try:
        artifacts = build(
            options.functions,
            out=options.out,
            python_version=options.python_version,
            make_zip=not options.no_zip,
            bytecode_python=None if options.no_bytecode else options.bytecode_python,
        )
    except BuildError as exc:
        print(f"build failed: {exc}", file=sys.stderr)
        return 1
    for artifact in artifacts:
        line = f"{artifact.directory}: {artifact.files} files, {_megabytes(artifact.unpacked_bytes)} unpacked"
        line += f", bytecode by {artifact.bytecode}" if artifact.bytecode else ", no bytecode"
        if artifact.zip_path is not None and artifact.zip_bytes is not None:
            line += f"; {artifact.zip_path.name} {_megabytes(artifact.zip_bytes)}"
            if artifact.zip_bytes > ZIP_LIMIT_BYTES:
                line += " (over FC's 100 MB API upload limit: deploy with `s`, which allows 500 MB)"
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
