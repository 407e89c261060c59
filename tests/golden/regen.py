"""Rewrite the golden files from the current compiler:
``.venv/bin/python -m tests.golden.regen`` (see ``tests/golden/__init__.py``)."""

from __future__ import annotations

from tests.golden.outputs import COMMANDS, GOLDEN, examples, golden_path, output


def main() -> None:
    written = 0
    wanted = set()
    for example in examples():
        for suffix in COMMANDS:
            path = golden_path(example, suffix)
            wanted.add(path)
            text = output(example, suffix)
            if not path.exists() or path.read_text(encoding="utf-8") != text:
                path.write_text(text, encoding="utf-8")
                written += 1
                print(f"wrote {path.relative_to(GOLDEN.parents[1])}")
    for stale in sorted(p for p in GOLDEN.iterdir() if p.suffix in COMMANDS and p not in wanted):
        stale.unlink()
        print(f"removed {stale.relative_to(GOLDEN.parents[1])} (no such example)")
    print(f"{written} golden file{'s' if written != 1 else ''} changed")


if __name__ == "__main__":
    main()
