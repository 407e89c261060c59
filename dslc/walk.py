"""Which files a command given directories works on.

``dslc check DIR`` and ``dslc fmt DIR`` walk the tree the way a project's
tools do: hidden folders (``.git``, ``.venv``), virtual environments (a
folder holding ``pyvenv.cfg``), ``venv``, ``node_modules`` and
``__pycache__`` are not entered, and only files with the command's suffixes
are taken. A file named on the command line is always taken.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from pathlib import Path

SKIPPED_DIRS = frozenset({"venv", "node_modules", "__pycache__", "site-packages"})


def skipped_dir(path: Path) -> bool:
    """A folder no strategy lives in."""
    name = path.name
    return (
        name.startswith(".")
        or name in SKIPPED_DIRS
        or (path / "pyvenv.cfg").is_file()  # a virtual environment of any name
    )


def walk(
    paths: Iterable[str | Path],
    suffixes: tuple[str, ...],
    unreadable: list[OSError] | None = None,
) -> Iterator[Path]:
    """Files under ``paths`` with one of ``suffixes`` (sorted per folder);
    a path that is a file is yielded as it is, whatever its suffix. A folder
    that cannot be read is appended to ``unreadable`` (when given), so the
    caller can say that its strategies went unchecked."""
    for p in paths:
        path = Path(p)
        if not path.is_dir():
            yield path
            continue
        onerror = unreadable.append if unreadable is not None else None
        for root, dirs, files in os.walk(path, onerror=onerror):
            here = Path(root)
            # Pruned in place: os.walk does not descend into removed folders.
            dirs[:] = sorted(d for d in dirs if not skipped_dir(here / d))
            for name in sorted(files):
                if name.lower().endswith(suffixes) and not name.startswith("."):
                    yield here / name
