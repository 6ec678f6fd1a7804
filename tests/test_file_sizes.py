"""Small rooms: no hand-written file in liveqa/, static/js/, tests/ or bench/ passes 400 lines."""

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LIMIT = 400
SOURCES = ("liveqa", "static/js", "tests", "bench")
SUFFIXES = {".py", ".js", ".html", ".css"}


# Data, not code: the demo city (names, questions, answers).
DATA_FILES = {ROOT / "liveqa" / "demo" / "data.py"}


def _hand_written(path: Path) -> bool:
    """Return whether PATH is kept by hand (migrations are generated, demo data is data)."""
    parts = path.relative_to(ROOT).parts
    installed = "vendor" in parts or "node_modules" in parts
    return not ("migrations" in parts or installed or path in DATA_FILES)


FILES = sorted(
    path
    for folder in SOURCES
    for path in (ROOT / folder).rglob("*")
    if path.suffix in SUFFIXES and path.is_file() and _hand_written(path)
)


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_file_is_at_most_400_lines(path):
    lines = len(path.read_text("utf-8").splitlines())
    assert lines <= LIMIT, f"{path.relative_to(ROOT)} has {lines} lines; split it along its seams"


def test_the_size_rule_sees_every_source_folder():
    assert {p.relative_to(ROOT).parts[0] for p in FILES} == {"liveqa", "static", "tests", "bench"}
    assert not any("migrations" in p.parts or "node_modules" in p.parts for p in FILES)
