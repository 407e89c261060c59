"""An authenticated cache of translated code, so that loading a known image
costs a digest and a MAC check instead of decoding, verifying and
translating it again.

A marshalled code object is executable, and nothing can verify one the way
the verifier checks an image. So an entry is only ever unmarshalled after
its HMAC-SHA256 matched, under a key that only the engine holds: the key is
configured through the environment (``DSLC_CODE_CACHE_KEY``, at least 16
bytes; hex is decoded), and without a key there is no code cache. An entry
is bound to the image's SHA-256 digest, the translator's version, the vm
package's own code (a fingerprint of its source files: a change to the
verifier or the translator makes every entry stale) and the interpreter's
bytecode magic number. Anything that does not match (tampered, truncated,
unsigned, stale, from another Python) is ignored and the image is decoded,
verified and translated again, and the entry rewritten.

Entries live in process memory (still as signed bytes) and, when
``DSLC_CODE_CACHE_DIR`` names a directory, in files there (written
atomically, ``0600``). On a hit the program's verified image is decoded
lazily, only if the stack VM is ever needed (a fallback, a trace, a tight
budget): the MAC vouches that this exact image passed the verifier when the
entry was made.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import importlib.util
import marshal
import os
from collections import OrderedDict
from pathlib import Path
from typing import Any, cast

from vm.fastpath import Unit, instantiate
from vm.image import FORMAT_VERSION
from vm.program import Program, verify_image

ENV_KEY = "DSLC_CODE_CACHE_KEY"
ENV_DIR = "DSLC_CODE_CACHE_DIR"
MIN_KEY_BYTES = 16
MAX_ENTRY_BYTES = 8 << 20
_MAC_SIZE = hashlib.sha256().digest_size

# Files whose code decides what an entry means: a change to any of them
# invalidates every entry.
_SOURCES = (
    "image.py",
    "cost.py",
    "instructions.py",
    "opcodes.py",
    "verify.py",
    "translate.py",
    "values.py",
)


def _fingerprint() -> bytes:
    from vm.translate import TRANSLATOR_VERSION

    h = hashlib.sha256()
    h.update(f"translator {TRANSLATOR_VERSION} format {FORMAT_VERSION}".encode())
    h.update(importlib.util.MAGIC_NUMBER)
    here = Path(__file__).resolve().parent
    for name in _SOURCES:
        h.update(name.encode())
        h.update((here / name).read_bytes())
    return h.digest()


def _meta(program: Program) -> tuple[object, ...]:
    pv = program.parent_variables
    return (
        program.program_id,
        program.fields,
        program.has_pre,
        program.has_post,
        None if pv is None else tuple(pv.items()),
        tuple(sorted(program.max_steps.items())),
    )


class CodeCache:
    """Signed translated code by image digest, in memory and optionally on
    disk. ``load`` returns a ready Program or None; ``store`` translates a
    verified program and signs the result."""

    def __init__(
        self, key: bytes, directory: str | Path | None = None, capacity: int = 1024
    ) -> None:
        if not isinstance(key, bytes) or len(key) < MIN_KEY_BYTES:
            raise ValueError(f"a code cache key must be at least {MIN_KEY_BYTES} bytes")
        self._key = key
        self._tag = _fingerprint()
        self._directory = Path(directory) if directory is not None else None
        self._capacity = capacity
        self._memory: OrderedDict[bytes, bytes] = OrderedDict()

    @classmethod
    def from_environment(cls) -> CodeCache | None:
        """The cache the environment configures, or None without a key."""
        raw = os.environ.get(ENV_KEY)
        if not raw:
            return None
        try:
            key = bytes.fromhex(raw)
        except ValueError:
            key = raw.encode()
        directory = os.environ.get(ENV_DIR) or None
        return cls(key, directory)

    # -- signing -----------------------------------------------------------

    def _mac(self, digest: bytes, payload: bytes) -> bytes:
        return hmac.new(self._key, self._tag + digest + payload, hashlib.sha256).digest()

    def _open(self, digest: bytes, blob: bytes) -> tuple[tuple[object, ...], Unit] | None:
        """The entry in ``blob`` if its MAC is right, else None. Nothing is
        unmarshalled before the MAC matched."""
        if len(blob) <= _MAC_SIZE or len(blob) > MAX_ENTRY_BYTES:
            return None
        mac, payload = blob[:_MAC_SIZE], blob[_MAC_SIZE:]
        if not hmac.compare_digest(mac, self._mac(digest, payload)):
            return None
        meta, unit = marshal.loads(payload)
        return meta, unit

    # -- entries -----------------------------------------------------------

    def _path(self, digest: bytes) -> Path | None:
        if self._directory is None:
            return None
        return self._directory / f"{digest.hex()}.dslc-code"

    def _read(self, digest: bytes) -> bytes | None:
        blob = self._memory.get(digest)
        if blob is not None:
            self._memory.move_to_end(digest)
            return blob
        path = self._path(digest)
        if path is None:
            return None
        try:
            fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
        except OSError:
            return None
        with os.fdopen(fd, "rb") as f:
            blob = f.read(MAX_ENTRY_BYTES + 1)
        return blob

    def _remember(self, digest: bytes, blob: bytes) -> None:
        self._memory[digest] = blob
        self._memory.move_to_end(digest)
        while len(self._memory) > self._capacity:
            self._memory.popitem(last=False)

    def load(self, image: bytes) -> Program | None:
        """The program of ``image`` from a valid entry, else None."""
        digest = hashlib.sha256(image).digest()
        blob = self._read(digest)
        if blob is None:
            return None
        entry = self._open(digest, blob)
        if entry is None:
            self._memory.pop(digest, None)
            return None
        self._remember(digest, blob)
        meta, unit = entry
        return Program.restored(image, meta, instantiate(unit))

    def store(self, image: bytes, program: Program) -> None:
        """Translate ``program`` (loaded from ``image``) and keep it signed."""
        from vm.translate import translate_all  # the ast machinery, on first store

        unit = translate_all(program.verified)
        payload = marshal.dumps(cast(Any, (_meta(program), unit)))
        if len(payload) + _MAC_SIZE > MAX_ENTRY_BYTES:
            return
        digest = hashlib.sha256(image).digest()
        blob = self._mac(digest, payload) + payload
        self._remember(digest, blob)
        for (phase, is_async), translated in instantiate(unit).items():
            (program.translated_async if is_async else program.translated)[phase] = translated
        path = self._path(digest)
        if path is not None:
            _write_atomically(path, blob)


def _write_atomically(path: Path, blob: bytes) -> None:
    """A new file under an unpredictable name, renamed over the entry: a
    reader sees the old entry or the new one, never half of one."""
    import tempfile

    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".dslc-code-")
    except OSError:
        return  # a cache that cannot be written is only a slower cache
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(blob)
        os.replace(tmp, path)
    except OSError:
        with contextlib.suppress(OSError):
            os.unlink(tmp)


_UNSET: object = object()
_environment_cache: object = _UNSET


def environment_cache() -> CodeCache | None:
    """The process's cache from the environment (read once)."""
    global _environment_cache
    if _environment_cache is _UNSET:
        _environment_cache = CodeCache.from_environment()
    return _environment_cache  # type: ignore[return-value]


def load(image: bytes, *, code_cache: CodeCache | object | None = _UNSET) -> Program:
    """Decode, verify and load an image (``vm.load``). With a code cache (by
    default the environment's, if any) a known image is restored from its
    signed translated code; a new one is translated and its code stored."""
    cache = environment_cache() if code_cache is _UNSET else code_cache
    if cache is not None:
        if not isinstance(cache, CodeCache):
            raise TypeError(f"code_cache must be a vm.CodeCache, not {type(cache).__name__}")
        if not isinstance(image, bytes):
            raise TypeError(f"image must be bytes, not {type(image).__name__}")
        program = cache.load(image)
        if program is not None:
            return program
    program = Program(verify_image(image))
    if cache is not None:
        cache.store(image, program)
    return program
