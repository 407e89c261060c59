"""Comments: finding them in the source and putting them back in the output.

The formatter prints from the AST, which has no comments; each comment is
attached to a line-level piece of the program (an outline key) and printed
with it:

- a comment after code on the same line stays at the end of the line of
  the last piece that starts on that line (``award 1 points as "A"  # why``);
- a comment on a line of its own goes above the piece it is inside (a long
  condition, a statement), or else above the next piece that starts after it;
- comments after the last piece stay at the end of the file.

Applying these rules to the formatter's own output attaches every comment to
the same piece again, which is what keeps formatting idempotent.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from dslc.text.build import Key, Outline
from dslc.text.printer import Line

# Strings are matched so that a '#' inside one is not a comment; the source
# has parsed, so every string is well formed.
_STRING_OR_COMMENT = re.compile(r'"(?:[^"\\\n]|\\.)*"|#[^\n]*')


@dataclass(frozen=True, slots=True)
class Comment:
    text: str
    start: int
    # A blank line follows the comment in the source (kept, so that a file
    # header stays apart from the first rule).
    blank_after: bool


@dataclass(slots=True)
class Placement:
    leading: dict[Key, list[Comment]] = field(default_factory=dict)
    trailing: dict[Key, Comment] = field(default_factory=dict)
    end: list[Comment] = field(default_factory=list)


def find_comments(source: str) -> list[Comment]:
    out = []
    for match in _STRING_OR_COMMENT.finditer(source):
        if match.group().startswith("#"):
            out.append(Comment(match.group().rstrip(), match.start(), _blank_after(source, match)))
    return out


def _blank_after(source: str, match: re.Match[str]) -> bool:
    rest = source[match.end() :]
    return re.match(r"[ \t\r\f]*\n[ \t\r\f]*\n", rest) is not None


def _is_container(key: Key) -> bool:
    """Rules and the parent variables block hold other pieces; a comment
    inside them belongs to the piece that follows it."""
    return (key[0] == "rule" and len(key) == 3) or key == ("variables",)


def place_comments(source: str, comments: list[Comment], outline: Outline) -> Placement:
    anchors = sorted(outline.anchors, key=lambda a: (a[1], -a[2]))
    placement = Placement()
    for comment in comments:
        line_start = source.rfind("\n", 0, comment.start) + 1
        if source[line_start : comment.start].strip():
            key = _last_starting_on_line(anchors, line_start, comment.start)
            if key is not None and key not in placement.trailing:
                placement.trailing[key] = comment
                continue
        key = _enclosing_or_next(anchors, comment.start)
        if key is None:
            placement.end.append(comment)
        else:
            placement.leading.setdefault(key, []).append(comment)
    return placement


def _last_starting_on_line(
    anchors: list[tuple[Key, int, int]], line_start: int, pos: int
) -> Key | None:
    found = None
    for key, start, _ in anchors:
        if line_start <= start < pos:
            found = key
    return found


def _enclosing_or_next(anchors: list[tuple[Key, int, int]], pos: int) -> Key | None:
    enclosing = None
    for key, start, end in anchors:
        if start < pos < end and not _is_container(key):
            enclosing = key
    if enclosing is not None:
        return enclosing
    for key, start, _ in anchors:
        if start > pos:
            return key
    return None


def weave(lines: list[Line], placement: Placement) -> list[Line]:
    """The printed lines with the comments put back."""
    out: list[Line] = []
    for line in lines:
        for comment in placement.leading.get(line.key, []) if line.key else []:
            out.append(Line(line.indent, comment.text))
            if comment.blank_after:
                out.append(Line(0, ""))
        trailing = placement.trailing.get(line.key) if line.key else None
        if trailing is not None:
            line = Line(line.indent, f"{line.text}  {trailing.text}", line.key)
        out.append(line)
    if placement.end:
        if out:
            out.append(Line(0, ""))
        for comment in placement.end:
            out.append(Line(0, comment.text))
            if comment.blank_after:
                out.append(Line(0, ""))
        while out and not out[-1].text:
            out.pop()
    return out
