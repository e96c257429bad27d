"""The README's first flow and its tests, copied as a new user copies them: they pass, and they pass `make lint`.

The files are taken from the README's code blocks by their first-line path comment and written into a fresh
project directory (with the repository's own pytest and ruff configuration), then run in their own process.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
_BLOCK = re.compile(r"```python\n# (?P<path>[\w/]+\.py)\n(?P<body>.*?)```", re.DOTALL)


def readme_files() -> dict[str, str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    return {found["path"]: f"# {found['path']}\n{found['body']}" for found in _BLOCK.finditer(text)}


@pytest.fixture
def project(tmp_path: Path) -> Path:
    files = readme_files()
    assert {"flows/hello.py", "tests/conftest.py", "tests/test_hello.py"} <= set(files), sorted(files)
    for relative, body in files.items():
        target = tmp_path / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(body, encoding="utf-8")
    (tmp_path / "flows" / "__init__.py").write_text("", encoding="utf-8")
    (tmp_path / "pyproject.toml").write_text((ROOT / "pyproject.toml").read_text(encoding="utf-8"), encoding="utf-8")
    return tmp_path


def test_the_readme_example_passes_as_written(project: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:randomly", "tests/test_hello.py"],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "2 passed" in result.stdout


@pytest.mark.parametrize("relative", ["flows/hello.py", "tests/conftest.py", "tests/test_hello.py"])
def test_the_readme_example_passes_lint(relative: str) -> None:
    # Checked as if it were in this checkout (same configuration, same first-party packages), via stdin.
    ruff = str(Path(sys.executable).with_name("ruff"))
    source = readme_files()[relative]
    for command in (
        [ruff, "check", "--stdin-filename", relative, "-"],
        [ruff, "format", "--check", "--stdin-filename", relative, "-"],
    ):
        result = subprocess.run(command, cwd=ROOT, input=source, capture_output=True, text=True, timeout=60)
        assert result.returncode == 0, result.stdout + result.stderr
