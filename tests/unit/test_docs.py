"""Every document the project cites exists, and nothing points outside the repository.

Scanned: the docstrings and comments of every Python file (src, tests, bench, infra, functions), the
comments of s.yaml, Makefile, pyproject.toml and .ci/run, and the Markdown files (docs/, README.md,
infra/README.md, bench/RESULTS.md, every README.md under tests/). In them:

* a repository path (``docs/…``, ``src/…``, ``tests/…``, ``bench/…``, ``infra/…``, ``functions/…``)
  must exist; a placeholder (``functions/<name>/index.py``) or a glob (``tests/events/*.json``) must
  match at least one file; ``path#anchor`` must name a heading of that Markdown file;
* a relative Markdown link ``[text](path#anchor)`` must resolve, inside the repository, to a file that
  exists, and its anchor to a heading of the target (GitHub's heading slugs);
* a dotted ``scene_select.…`` reference must name a module of ``src/``, and the first name after the
  module must appear in it;
* a bare file name ending in ``.py`` or ``.md`` must be the name of a file of the repository.

Nothing may mention the shared research folder beside the checkout, and the README stays a front door:
at most 260 lines, with the two commands.
"""

from __future__ import annotations

import ast
import io
import os
import re
import tokenize
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

PYTHON_ROOTS = ("src", "tests", "bench", "infra", "functions")
CONFIG_FILES = ("s.yaml", "Makefile", "pyproject.toml", ".ci/run")
PATH_ROOTS = ("docs", "src", "tests", "bench", "infra", "functions")
GENERATED = ("bench/out/", "bench/media/")
"""Folders the benchmarks write (results of a quick run, generated media); cited, never committed."""
SKIPPED_DIRS = {
    ".git",
    ".venv",
    ".venv310",
    "build",
    "dist",
    ".state",
    ".mypy_cache",
    ".ruff_cache",
    ".pytest_cache",
    ".hypothesis",
    "__pycache__",
    "node_modules",
}
SKIPPED_PREFIXES = ("bench/out", "bench/media")
# Spelled in pieces so that this file does not mention them itself.
OUTSIDE_MENTIONS = ("../" + "shared", "/work/" + "shared")

_PATH = re.compile(r"(?<![\w./~$:-])((?:" + "|".join(PATH_ROOTS) + r")/[^\s`'\"()\[\],;|]*)")
_LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")
_MODULE = re.compile(r"(?<![\w.])scene_select(?:\.[A-Za-z_]\w*)+")
_BARE_FILE = re.compile(r"(?<![\w./-])([A-Za-z0-9_][\w.-]*\.(?:py|md))\b(?![\w/-])")
_HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")
_FENCE = re.compile(r"^\s*(```|~~~)")
_PLACEHOLDER = re.compile(r"<[^>]*>|\{[^}]*\}|…")


@dataclass(frozen=True)
class Text:
    """A piece of prose to check: where it is (file, line) and what it says."""

    file: Path
    line: int
    text: str


# ------------------------------------------------------------------------------------------- collecting


def _repo_files() -> Iterator[Path]:
    for directory, dirs, files in os.walk(REPO):
        relative_dir = Path(directory).relative_to(REPO).as_posix()
        dirs[:] = [
            d
            for d in dirs
            if d not in SKIPPED_DIRS
            and not d.endswith(".egg-info")
            and not f"{relative_dir}/{d}".lstrip("./").startswith(SKIPPED_PREFIXES)
        ]
        for name in files:
            yield Path(directory) / name


def markdown_files() -> list[Path]:
    found = [REPO / "README.md", REPO / "infra" / "README.md", REPO / "bench" / "RESULTS.md"]
    found += sorted((REPO / "docs").rglob("*.md"))
    found += sorted(p for p in (REPO / "tests").rglob("README.md") if "__pycache__" not in p.parts)
    return found


def python_files() -> list[Path]:
    files: list[Path] = []
    for root in PYTHON_ROOTS:
        found = (REPO / root).rglob("*.py")
        files += sorted(
            p
            for p in found
            if not any(part.endswith(".egg-info") or part == "__pycache__" for part in p.parts)
            and not p.relative_to(REPO).as_posix().startswith(SKIPPED_PREFIXES)  # what the benchmarks generate
        )
    return files


def python_prose(path: Path, source: str) -> Iterator[Text]:
    """The docstrings (every string statement) and comments of a Python file."""
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
            yield Text(path, node.lineno, node.value.value)
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type == tokenize.COMMENT:
            yield Text(path, token.start[0], token.string)


def config_prose(path: Path) -> Iterator[Text]:
    """The comments of a YAML, TOML, Makefile or shell file (everything after a ``#``)."""
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if "#" in line:
            yield Text(path, number, line[line.index("#") :])


def markdown_prose(path: Path) -> Iterator[Text]:
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        yield Text(path, number, line)


def all_prose() -> list[Text]:
    texts: list[Text] = []
    for path in python_files():
        texts += python_prose(path, path.read_text(encoding="utf-8"))
    for name in CONFIG_FILES:
        texts += config_prose(REPO / name)
    for path in markdown_files():
        texts += markdown_prose(path)
    return texts


# ------------------------------------------------------------------------------------------- checking


def github_slug(heading: str) -> str:
    """The anchor GitHub gives a heading: its text, lower-cased, punctuation dropped, spaces as hyphens."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading).strip().lower()  # a link counts by its text
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def anchors(markdown: str) -> set[str]:
    """Every heading's anchor (repeated headings get -1, -2 … as on GitHub); code blocks skipped."""
    found: set[str] = set()
    seen: dict[str, int] = {}
    fenced = False
    for line in markdown.splitlines():
        if _FENCE.match(line):
            fenced = not fenced
            continue
        match = None if fenced else _HEADING.match(line)
        if match:
            slug = github_slug(match.group(2))
            count = seen.get(slug, 0)
            seen[slug] = count + 1
            found.add(slug if count == 0 else f"{slug}-{count}")
    return found


_anchor_cache: dict[Path, set[str]] = {}


def _anchor_problem(target: Path, anchor: str) -> str | None:
    if target.suffix != ".md" or not anchor:
        return None
    if target not in _anchor_cache:
        _anchor_cache[target] = anchors(target.read_text(encoding="utf-8"))
    if anchor not in _anchor_cache[target]:
        return f"no heading with anchor #{anchor} in {target.relative_to(REPO).as_posix()}"
    return None


def _exists(relative: str) -> bool:
    """A repository path (a file or a folder), or a placeholder/glob that matches at least one."""
    if _PLACEHOLDER.search(relative) or "*" in relative:
        pattern = _PLACEHOLDER.sub("*", relative).rstrip("/")
        if "**" not in relative:
            pattern = re.sub(r"\*{2,}", "*", pattern)  # a placeholder next to a star is one star
        return next(iter(REPO.glob(pattern)), None) is not None
    return (REPO / relative).exists()


def path_problems(text: Text) -> Iterator[str]:
    for match in _PATH.finditer(text.text):
        cited = match.group(1).rstrip(".:!?")
        path, _, anchor = cited.partition("#")
        if not path or path.startswith(GENERATED):
            continue
        if not _exists(path):
            yield f"cites {path}, which does not exist"
        elif anchor:
            problem = _anchor_problem(REPO / path, anchor)
            if problem:
                yield f"cites {cited}: {problem}"


def link_problems(text: Text) -> Iterator[str]:
    if text.file.suffix != ".md":
        return
    for match in _LINK.finditer(text.text):
        target = match.group(1)
        if re.match(r"^[a-z][a-z0-9+.-]*:", target):  # https:, mailto: … — not a file of ours
            continue
        path, _, anchor = target.partition("#")
        resolved = (text.file.parent / path).resolve() if path else text.file
        if not resolved.is_relative_to(REPO):
            yield f"links to {target}, outside the repository"
        elif not resolved.exists():
            yield f"links to {target}, which does not exist"
        elif anchor:
            problem = _anchor_problem(resolved, anchor)
            if problem:
                yield f"links to {target}: {problem}"


def _module_file(parts: list[str]) -> Path | None:
    base = REPO / "src" / Path(*parts)
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def module_problems(text: Text) -> Iterator[str]:
    for match in _MODULE.finditer(text.text):
        parts = match.group(0).split(".")
        for length in range(len(parts), 0, -1):
            module = _module_file(parts[:length])
            if module is not None:
                break
        else:  # pragma: no cover - "scene_select" itself always resolves
            continue
        if length < len(parts):
            name = parts[length]
            if not re.search(rf"\b{re.escape(name)}\b", module.read_text(encoding="utf-8")):
                yield f"names {match.group(0)}, but {'.'.join(parts[:length])} has no {name}"
        # a dotted name whose modules all exist is fine


_file_names: set[str] = set()


def bare_file_problems(text: Text) -> Iterator[str]:
    if not _file_names:
        _file_names.update(p.name for p in _repo_files())
    for match in _BARE_FILE.finditer(text.text):
        name = match.group(1)
        if name not in _file_names:
            yield f"names {name}, which is no file of the repository"


def problems(texts: list[Text]) -> list[str]:
    found = []
    for text in texts:
        where = f"{text.file.relative_to(REPO).as_posix()}:{text.line}"
        for check in (path_problems, link_problems, module_problems, bare_file_problems):
            found += [f"{where}: {problem}" for problem in check(text)]
    return found


# ------------------------------------------------------------------------------------------- tests


def test_every_cited_path_and_anchor_exists() -> None:
    assert problems(all_prose()) == []


def test_no_file_mentions_the_shared_folder() -> None:
    offending = []
    for path in _repo_files():
        try:
            text = path.read_text(encoding="utf-8")
        except (UnicodeDecodeError, OSError):
            continue  # binary (media, pictures)
        offending += [
            f"{path.relative_to(REPO).as_posix()} mentions {mention}" for mention in OUTSIDE_MENTIONS if mention in text
        ]
    assert offending == []


def test_readme_is_a_front_door() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert len(readme.splitlines()) <= 260
    assert "make demo" in readme
    assert "make test" in readme


def test_docs_folder_is_complete() -> None:
    names = {p.name for p in (REPO / "docs").glob("*.md")}
    expected = {
        "architecture.md",
        "ice-api.md",
        "deploy.md",
        "configuration.md",
        "cli.md",
        "bucket.md",
        "engine.md",
        "reliability.md",
        "performance.md",
        "troubleshooting.md",
    }
    assert expected <= names


@pytest.mark.parametrize(
    ("heading", "slug"),
    [
        (
            "`raw.json`: highlights (our shape — ICE's is unconfirmed)",
            "rawjson-highlights-our-shape--ices-is-unconfirmed",
        ),
        ("4. `s deploy`", "4-s-deploy"),
        ("Results: `results/<smart-mix|highlights>/<batch>/`", "results-resultssmart-mixhighlightsbatch"),
        ("The run record: `job.json`", "the-run-record-jobjson"),
        ("Glossary", "glossary"),
    ],
)
def test_github_slugs(heading: str, slug: str) -> None:
    assert github_slug(heading) == slug


def test_a_broken_citation_is_caught() -> None:
    """The checks themselves: each kind of broken citation is reported."""
    doc = REPO / "docs" / "architecture.md"
    broken = [
        Text(doc, 1, "see docs/no-such-document.md for more"),
        Text(doc, 2, "see [the layers](architecture.md#no-such-heading)"),
        Text(doc, 3, "see [elsewhere](../../outside/notes.md)"),
        Text(doc, 4, "see docs/architecture.md#no-such-heading"),
        Text(doc, 5, "see scene_select.cloud.no_such_module.thing and scene_select.cloud.config.NO_SUCH_NAME"),
        Text(doc, 6, "see CONTRACTS" + ".md"),
        Text(REPO / "src" / "scene_select" / "__init__.py", 7, "(bench/no_such_benchmark.py)"),
    ]
    found = problems(broken)
    assert len(found) == 8, found
    fine = [
        Text(doc, 1, "see docs/architecture.md#glossary, [deploy](deploy.md#4-s-deploy), functions/<name>/index.py"),
        Text(doc, 2, "tests/events/*.json, scene_select.cloud.fc.handlers.FunctionRuntime, README.md, bench/out/x.md"),
    ]
    assert problems(fine) == []
