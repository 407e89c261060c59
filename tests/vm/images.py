"""Hand-built images for verifier and VM tests (as WebAssembly's
``assert_invalid`` modules): code assembled from (opcode, operands) pairs."""

from __future__ import annotations

from vm.image import Image, Scalar, encode
from vm.instructions import encode_instruction
from vm.opcodes import Op

Ins = tuple[Op, ...] | tuple[Op, int] | tuple[Op, int, int]


def assemble(instrs: list[tuple[object, ...]]) -> bytes:
    return b"".join(encode_instruction(i[0], *i[1:]) for i in instrs)  # type: ignore[arg-type]


def make_image(
    full: list[tuple[object, ...]] | bytes = ((Op.HALT,),),  # type: ignore[assignment]
    pre: list[tuple[object, ...]] | bytes = ((Op.HALT,),),  # type: ignore[assignment]
    post: list[tuple[object, ...]] | bytes = ((Op.HALT,),),  # type: ignore[assignment]
    constants: tuple[Scalar, ...] = (),
    fields: tuple[str, ...] = (),
    node_table: tuple[tuple[int, str], ...] = (),
    parent_variables: tuple[tuple[str, Scalar], ...] | None = None,
    has_pre: bool = True,
    has_post: bool = True,
) -> bytes:
    parts = [p if isinstance(p, bytes) else assemble(list(p)) for p in (full, pre, post)]
    entries = []
    pos = 0
    for p in parts:
        entries.append((pos, pos + len(p)))
        pos += len(p)
    image = Image(
        program_id="test",
        constants=constants,
        fields=fields,
        entries=tuple(entries),
        code=b"".join(parts),
        has_pre=has_pre,
        has_post=has_post,
        parent_variables=parent_variables,
        node_table=node_table,
    )
    return encode(image)
