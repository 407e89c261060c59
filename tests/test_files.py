"""Issue 8 section 2: writes that cannot be redirected, and file errors that
are reported without stopping the others."""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from dslc import codes
from dslc.cli import cli
from dslc.diagnostics import CompileError
from dslc.sources import write_atomically

UNFORMATTED = 'strategy x\n\notherwise   award 1 points as "y"\n'
FORMATTED = 'strategy x\n\notherwise award 1 points as "y"\n'


def _invoke(args: list[str]) -> tuple[int, str]:
    result = CliRunner().invoke(cli, args)
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(
        result.exception
    )
    return result.exit_code, result.output


def test_the_temporary_file_is_created_exclusively_with_an_unpredictable_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "out.sbc"
    names: list[str] = []
    real = tempfile.mkstemp

    def spy(*args: object, **kwargs: object) -> tuple[int, str]:
        fd, name = real(*args, **kwargs)  # type: ignore[call-overload]
        names.append(name)
        return fd, name

    monkeypatch.setattr(tempfile, "mkstemp", spy)
    write_atomically(target, b"one")
    write_atomically(target, b"two")
    assert target.read_bytes() == b"two"
    assert len(names) == 2 and names[0] != names[1]
    assert all(Path(n).parent == tmp_path for n in names)  # same directory: rename is atomic
    assert str(os.getpid()) not in Path(names[0]).name
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.sbc"]


def test_a_planted_symlink_at_every_old_temporary_name_redirects_nothing(tmp_path: Path) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text("precious", encoding="utf-8")
    target = tmp_path / "x.sbc"
    # The names the old code used, and a spread of plausible others.
    for name in [f".x.sbc.tmp-{os.getpid()}", ".x.sbc.tmp", ".x.sbc.tmp-1"]:
        (tmp_path / name).symlink_to(victim)
    source = tmp_path / "x.strat"
    source.write_text(FORMATTED, encoding="utf-8")
    code, out = _invoke(["compile", str(source), "-o", str(target)])
    assert code == 0, out
    assert victim.read_text(encoding="utf-8") == "precious"
    assert target.read_bytes()[:4] and not target.is_symlink()


def test_compile_output_onto_a_symlink_writes_its_target(tmp_path: Path) -> None:
    real = tmp_path / "real.sbc"
    real.write_bytes(b"old")
    link = tmp_path / "link.sbc"
    link.symlink_to(real)
    source = tmp_path / "x.strat"
    source.write_text(FORMATTED, encoding="utf-8")
    code, out = _invoke(["compile", str(source), "-o", str(link)])
    assert code == 0, out
    assert link.is_symlink() and link.resolve() == real
    assert real.read_bytes() != b"old"


def test_fmt_writes_through_a_symlink(tmp_path: Path) -> None:
    real = tmp_path / "real.strat"
    real.write_text(UNFORMATTED, encoding="utf-8")
    link = tmp_path / "link.strat"
    link.symlink_to(real)
    code, out = _invoke(["fmt", str(link)])
    assert code == 0, out
    assert link.is_symlink()
    assert real.read_text(encoding="utf-8") == FORMATTED


def test_fmt_refuses_a_read_only_file_and_formats_the_others(tmp_path: Path) -> None:
    locked = tmp_path / "locked.strat"
    locked.write_text(UNFORMATTED, encoding="utf-8")
    locked.chmod(0o444)
    other = tmp_path / "other.strat"
    other.write_text(UNFORMATTED, encoding="utf-8")
    code, out = _invoke(["fmt", str(locked), str(other)])
    assert code == 1
    assert f"{locked}: error[{codes.FILE_NOT_WRITABLE}]" in out and "read-only" in out
    # Refused by its mode bits, so even root (who may write anything) leaves it.
    assert locked.read_text(encoding="utf-8") == UNFORMATTED
    assert stat.S_IMODE(locked.stat().st_mode) == 0o444
    assert other.read_text(encoding="utf-8") == FORMATTED


def test_write_atomically_refuses_read_only_and_keeps_modes(tmp_path: Path) -> None:
    locked = tmp_path / "locked.sbc"
    locked.write_bytes(b"old")
    locked.chmod(0o400)
    with pytest.raises(CompileError) as info:
        write_atomically(locked, b"new")
    (diag,) = info.value.diagnostics
    assert diag.code == codes.FILE_NOT_WRITABLE and diag.filename == str(locked)
    assert locked.read_bytes() == b"old"
    kept = tmp_path / "kept.sbc"
    kept.write_bytes(b"old")
    kept.chmod(0o751)
    write_atomically(kept, b"new")
    assert kept.read_bytes() == b"new" and stat.S_IMODE(kept.stat().st_mode) == 0o751
    fresh = tmp_path / "fresh.sbc"
    mask = os.umask(0o027)
    try:
        write_atomically(fresh, b"new")
    finally:
        os.umask(mask)
    assert stat.S_IMODE(fresh.stat().st_mode) == 0o640


def test_write_atomically_into_a_missing_folder_is_a_located_error(tmp_path: Path) -> None:
    with pytest.raises(CompileError) as info:
        write_atomically(tmp_path / "nope" / "x.sbc", b"x")
    assert info.value.diagnostics[0].code == codes.FILE_NOT_WRITABLE


def test_fmt_reports_an_undecodable_file_and_goes_on(tmp_path: Path) -> None:
    bad = tmp_path / "a.strat"
    bad.write_bytes(b"strategy x\n\xff\xfe\n")
    good = tmp_path / "b.strat"
    good.write_text(UNFORMATTED, encoding="utf-8")
    code, out = _invoke(["fmt", str(bad), str(good)])
    assert code == 1
    assert f"{bad}" in out and codes.FILE_UNREADABLE in out and "UTF-8" in out
    assert good.read_text(encoding="utf-8") == FORMATTED


def test_fmt_reports_a_missing_file_and_goes_on(tmp_path: Path) -> None:
    good = tmp_path / "b.strat"
    good.write_text(UNFORMATTED, encoding="utf-8")
    code, out = _invoke(["fmt", str(tmp_path / "missing.strat"), str(good)])
    assert code == 1 and codes.FILE_UNREADABLE in out
    assert good.read_text(encoding="utf-8") == FORMATTED


def test_check_reports_an_unreadable_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The folder is made unreadable (chmod 0) and, since root reads it all the
    # same, the listing also fails where it would for a user (os.scandir).
    locked = tmp_path / "locked"
    real_scandir = os.scandir

    def scandir(path: object = ".") -> object:
        if Path(str(path)) == locked:
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "scandir", scandir)
    _check_unreadable_folder(tmp_path)


def _check_unreadable_folder(tmp_path: Path) -> None:
    (tmp_path / "ok.strat").write_text(FORMATTED, encoding="utf-8")
    locked = tmp_path / "locked"
    locked.mkdir()
    (locked / "hidden.strat").write_text("not a program", encoding="utf-8")
    locked.chmod(0)
    try:
        code, out = _invoke(["check", str(tmp_path)])
    finally:
        locked.chmod(0o755)
    assert code == 1
    assert f"{locked}: error[{codes.FILE_UNREADABLE}]: cannot read this folder" in out
    assert "checked 2 files: 1 error" in out
