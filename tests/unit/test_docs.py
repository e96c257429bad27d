"""Docs a reader can follow: citations point at documents that exist, and examples call the API as it is."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

from app.testing.script import ScriptedCall

ROOT = Path(__file__).resolve().parents[2]
SOURCES = [
    path
    for folder in ("app", "simulator", "handlers", "flows", "config", "docs", "tests", "benchmarks")
    for path in (ROOT / folder).rglob("*")
    if path.suffix in {".py", ".md"} and path.name != Path(__file__).name
] + [ROOT / "README.md"]
# Documents that are not in this repository, and citations by section number.
_UNREADABLE = re.compile(r"wire reference|acs-wire-reference|§\s*\d")
_LINKED_DOC = re.compile(r"\]\((?:[\w./-]*/)?([\w-]+\.md)[)#]")  # a Markdown link to a .md file


def test_citations_name_documents_a_reader_can_open() -> None:
    found = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for path in SOURCES
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if _UNREADABLE.search(line)
    ]
    assert not found, "\n".join(found)
    in_repo = {path.name for path in ROOT.rglob("*.md") if ".venv" not in path.parts}
    cited = {name for path in SOURCES for name in _LINKED_DOC.findall(path.read_text(encoding="utf-8"))}
    assert cited <= in_repo, sorted(cited - in_repo)


def test_doc_examples_await_exactly_the_async_call_methods() -> None:
    docs = [ROOT / "README.md", *(ROOT / "docs").glob("*.md")]
    wrong = []
    for path in docs:
        text = path.read_text(encoding="utf-8")
        for awaited, name in re.findall(r"(await\s+)?\bcall\.(\w+)\(", text):
            method = getattr(ScriptedCall, name, None)
            if method is None or name.startswith("_"):
                continue
            if bool(awaited) != inspect.iscoroutinefunction(method):
                wrong.append(f"{path.name}: {'await ' if awaited else ''}call.{name}()")
    assert not wrong, wrong


def test_the_timing_docs_match_how_long_a_wait_lasts() -> None:
    from app.testing.script import REAL_FLOOR

    text = (ROOT / "docs" / "testing.md").read_text(encoding="utf-8")
    assert f"+ {REAL_FLOOR:g} s" in text
    assert f"`within=10` waits 10 × 0.02 + {REAL_FLOOR:g} = {10 * 0.02 + REAL_FLOOR:g} real seconds" in text
