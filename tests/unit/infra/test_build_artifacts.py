"""infra/build_artifacts.py: the FC artifacts carry the handler, the library and manylinux wheels,
and import in a clean interpreter with nothing else on sys.path."""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from infra import build_artifacts  # the repository root is on the path (pyproject: pythonpath)

REPO_ROOT = Path(__file__).resolve().parents[3]
SRC_PACKAGE = REPO_ROOT / "src" / "scene_select"


# What the clean interpreter prints: where each module came from, and whether anything heavy loaded.
IMPORT_CHECK = """
import json, sys
artifact = sys.argv[1]
sys.path.insert(0, artifact)
import os, types
import index, scene_select, pydantic, pydantic_core._pydantic_core, httpx, oss2
import scene_select.cloud.storage.oss, scene_select.cloud.fc.http_trigger
import scene_select.cloud.fc.context, scene_select.cloud.models.oss_event
# One real invocation, offline: an upload under results/ is ignored before any I/O, but the handler still
# loads its settings, builds its OSS store and ICE client and decodes the event inside the artifact.
os.environ.update({"FC_REGION": "cn-shanghai", "SCENE_SELECT_BUCKET": "media",
                   "ALIBABA_CLOUD_ACCESS_KEY_ID": "AKID", "ALIBABA_CLOUD_ACCESS_KEY_SECRET": "secret"})
record = {"eventName": "ObjectCreated:PutObject", "eventSource": "acs:oss", "eventTime": "2026-01-01T00:00:00.000Z",
          "region": "cn-shanghai", "oss": {"bucket": {"name": "media", "arn": "acs:oss:cn-shanghai:1:media"},
          "object": {"key": "results/smart-mix/b/selection.json", "size": 1, "eTag": "AA"}}}
context = types.SimpleNamespace(request_id="r1", region="cn-shanghai", credentials=None)
outcome = index.handler(json.dumps({"events": [record]}).encode(), context)["records"][0]["outcome"]
outside = sorted(
    name for name, module in sys.modules.items()
    if getattr(module, "__file__", None) and not module.__file__.startswith((artifact, sys.base_prefix))
)
print(json.dumps({
    "handler": callable(index.handler),
    "outcome": outcome,
    "index": index.__file__,
    "pydantic_core": pydantic_core._pydantic_core.__file__,
    "outside": outside,
    "heavy": sorted(set(sys.modules) & {"av", "numpy", "scipy", "cv2", "onnxruntime", "PIL"}),
    "site": [p for p in sys.path if "site-packages" in p],
}))
"""


def test_strip_removes_bytecode_tests_scripts_and_install_noise(tmp_path: Path) -> None:
    target = tmp_path / "fn"
    for relative in (
        "pkg/__init__.py",
        "pkg/__pycache__/m.cpython-310.pyc",
        "pkg/tests/test_x.py",
        "pkg/stale.pyc",
        "bin/normalizer",
        "pkg-1.0.dist-info/METADATA",
        "pkg-1.0.dist-info/RECORD",
        "pkg-1.0.dist-info/INSTALLER",
        "pkg-1.0.dist-info/direct_url.json",
        "scene_select/cloud/storage/oss.py",
    ):
        (target / relative).parent.mkdir(parents=True, exist_ok=True)
        (target / relative).write_text("x")
    build_artifacts._strip(target)
    left = sorted(p.relative_to(target).as_posix() for p in target.rglob("*") if p.is_file())
    assert left == ["pkg-1.0.dist-info/METADATA", "pkg/__init__.py", "scene_select/cloud/storage/oss.py"]


def test_the_library_wheel_carries_the_cloud_package_whole_and_nothing_of_the_workstation(tmp_path: Path) -> None:
    wheel = build_artifacts._library_wheel(tmp_path, quiet=True)
    names = zipfile.ZipFile(wheel).namelist()
    modules = sorted(n for n in names if n.startswith("scene_select/"))
    cloud = sorted(
        "scene_select/" + p.relative_to(SRC_PACKAGE).as_posix()
        for p in (SRC_PACKAGE / "cloud").rglob("*.py")
        if "__pycache__" not in p.parts
    )
    assert set(cloud) <= set(modules)
    assert [n for n in modules if not n.startswith("scene_select/cloud/")] == [
        "scene_select/__init__.py",
        "scene_select/py.typed",
    ]


def test_bytecode_is_compiled_by_the_runtime_version_and_used_unchecked(tmp_path: Path) -> None:
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "mod.py").write_text("VALUE = 1\n")
    build_artifacts._compile(tmp_path, sys.executable)
    tag = sys.implementation.cache_tag
    pyc = (tmp_path / "pkg" / "__pycache__" / f"mod.{tag}.pyc").read_bytes()
    assert int.from_bytes(pyc[4:8], "little") == 0b01  # hash-based, check_source off: valid whatever the mtime


def test_the_interpreter_for_the_bytecode_is_found_by_version() -> None:
    running = f"{sys.version_info.major}.{sys.version_info.minor}"
    assert build_artifacts.find_interpreter(running) is not None
    assert build_artifacts.find_interpreter("2.1") is None


def test_a_bytecode_interpreter_of_another_version_is_refused(tmp_path: Path) -> None:
    with pytest.raises(build_artifacts.BuildError, match=r"is not CPython 3\.10"):
        build_artifacts.build(["submit"], out=tmp_path, python_version="3.10", bytecode_python=sys.executable)


def test_heavy_packages_are_refused(tmp_path: Path) -> None:
    (tmp_path / "numpy").mkdir()
    with pytest.raises(build_artifacts.BuildError, match=r"heavy packages \['numpy'\]"):
        build_artifacts._refuse_heavy(tmp_path, "submit")


def test_function_files_may_not_shadow_a_dependency(tmp_path: Path) -> None:
    source, target = tmp_path / "functions" / "submit", tmp_path / "build" / "submit"
    source.mkdir(parents=True)
    target.mkdir(parents=True)
    (source / "index.py").write_text("def handler(e, c): pass\n")
    (source / "six.py").write_text("")
    (target / "six.py").write_text("")
    with pytest.raises(build_artifacts.BuildError, match="collides"):
        build_artifacts._copy_function(source, target)


def test_zips_are_deterministic(tmp_path: Path) -> None:
    (tmp_path / "fn" / "pkg").mkdir(parents=True)
    (tmp_path / "fn" / "index.py").write_text("def handler(e, c): pass\n")
    (tmp_path / "fn" / "pkg" / "__init__.py").write_text("")
    first = build_artifacts._zip(tmp_path / "fn", tmp_path / "a.zip").read_bytes()
    (tmp_path / "fn" / "index.py").touch()
    second = build_artifacts._zip(tmp_path / "fn", tmp_path / "b.zip").read_bytes()
    assert first == second
    assert zipfile.ZipFile(tmp_path / "a.zip").namelist() == ["index.py", "pkg/__init__.py"]


def test_unknown_function_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(build_artifacts.BuildError, match="no function 'nope'"):
        build_artifacts.build(["nope"], out=tmp_path)


@pytest.mark.slow
def test_built_artifact_imports_in_a_clean_interpreter(tmp_path: Path) -> None:
    """Builds `submit` twice, from real wheels (PyPI):

    - for FC's CPython 3.10 — the deploy artifact: the compiled pydantic-core inside must be the cp310
      build, which this 3.11 interpreter cannot load;
    - for the running interpreter's version — the same recipe with --python-version of this Python, so
      that `python -I -S` with only the artifact on sys.path can import the handler and its whole
      dependency tree, proving nothing is missing from the artifact.
    """
    fc_build = build_artifacts.build(["submit"], out=tmp_path / "fc", python_version="3.10")[0]
    assert list(fc_build.directory.glob("pydantic_core/_pydantic_core.cpython-310-x86_64-linux-gnu.so"))
    assert fc_build.zip_path is not None
    names = zipfile.ZipFile(fc_build.zip_path).namelist()
    assert "index.py" in names and "scene_select/cloud/storage/oss.py" in names and "oss2/api.py" in names
    assert not [n for n in names if n.endswith("/RECORD") or n.startswith("bin/")]
    assert not [n for n in names if n.startswith("scene_select/workstation/")]
    if fc_build.bytecode:  # compiled by a CPython 3.10 of this machine: 3.10 bytecode only
        compiled = [n for n in names if n.endswith(".pyc")]
        assert compiled and all(n.endswith(".cpython-310.pyc") for n in compiled)
        assert "oss2/__pycache__/api.cpython-310.pyc" in names
    else:
        assert not [n for n in names if "__pycache__" in n]
    assert fc_build.zip_bytes is not None and fc_build.zip_bytes < build_artifacts.ZIP_LIMIT_BYTES

    running = f"{sys.version_info.major}.{sys.version_info.minor}"
    local_build = build_artifacts.build(["submit"], out=tmp_path / "local", python_version=running, make_zip=False)[0]
    artifact = str(local_build.directory)
    result = subprocess.run(
        [sys.executable, "-I", "-S", "-c", IMPORT_CHECK, artifact], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout.splitlines()[-1])  # after the invocation's own JSON log line
    assert report["handler"] is True
    assert report["outcome"] == "ignored"
    assert report["index"] == str(Path(artifact) / "index.py")
    assert report["pydantic_core"].startswith(artifact)
    assert report["outside"] == []
    assert report["heavy"] == []
    assert report["site"] == []
