"""Parsing text into a lark tree, with syntax errors said in words.

lark reports an error as a set of terminal names (``_THEN``, ``COMPARE_OP``);
a designer should read "expected 'then' or an operator, found 'award'".
After an error the parser starts again at the next line that begins a new
rule or section, so one run reports every broken rule, not only the first.
"""

from __future__ import annotations

import difflib
import json
import re
from dataclasses import dataclass

from lark import Token, Tree
from lark.exceptions import UnexpectedCharacters, UnexpectedInput, UnexpectedToken

from dslc import codes
from dslc.accept import string_problem
from dslc.diagnostics import Diagnostic
from dslc.text.grammar import keywords, parser, terminal_pattern

MAX_SOURCE_CHARS = 1_000_000
MAX_SYNTAX_ERRORS = 25
# The language allows a nesting depth of 32; deeper parentheses are refused
# before parsing, so a hostile file costs a linear scan, not a parse.
MAX_PAREN_DEPTH = 64

_PARENS = re.compile(r'"(?:[^"\\\n]|\\.)*"|#[^\n]*|[()]')

# A line starting with one of these begins a new top-level item: the place
# to resume after a syntax error.
_RESYNC = re.compile(r"^[ \t]*(rule|strategy|extends|parent|otherwise|before|after)(?![\w.])", re.M)

_VALUE_START = frozenset(
    {"WORD", "NUMBER", "STRING", "_TRUE", "_FALSE", "_NULL", "_LPAR", "MINUS", "NOT"}
)
_STATEMENTS = frozenset({"_AWARD", "_SET", "_VETO", "_STOP"})
_ITEMS = frozenset({"_RULE", "_STRATEGY", "_EXTENDS", "_PARENT", "_OTHERWISE", "_BEFORE", "_AFTER"})
_ARITHMETIC = frozenset({"PLUS", "MINUS", "STAR", "SLASH"})
_OPERATORS = _ARITHMETIC | {"COMPARE_OP", "_AND", "_OR"}
# Tokens after which a condition (rather than a value) is expected.
_CONDITION_CONTEXT = frozenset({"_WHEN", "_AND", "_OR", "NOT"})

_TERMINAL_WORDS = {
    "$END": "the end of the file",
    "WORD": "a name",
    "STRING": "a string in double quotes",
    "NUMBER": "a number",
    "COMPARE_OP": "a comparison operator",
}
_STRING_ESCAPES = '"\\/bfnrt'
_STATEMENT_WORDS = frozenset({"award", "set", "veto", "stop"})
# Words from other languages a designer may reach for.
_FOREIGN_WORDS = {
    "if": "a rule starts its condition with 'when'; more conditions use 'else when'",
    "elif": "write 'else when'",
    "elseif": "write 'else when'",
    "end": "a rule needs no 'end': it ends where the next rule or section starts",
    "return": "write 'stop'",
    "default": "the statement that runs when no rule awarded points starts with 'otherwise'",
}


@dataclass(slots=True)
class ParsedTree:
    tree: Tree | None
    diagnostics: list[Diagnostic]


def parse_tree(source: str, filename: str | None = None) -> ParsedTree:
    """The parse tree of ``source``, or None and every syntax error found."""
    if len(source) > MAX_SOURCE_CHARS:
        return ParsedTree(
            None,
            [
                Diagnostic(
                    codes.TEXT_TOO_LARGE,
                    f"the file is longer than {MAX_SOURCE_CHARS} characters",
                    start=MAX_SOURCE_CHARS,
                    end=MAX_SOURCE_CHARS + 1,
                    hint="a strategy has at most 1000 nodes; split it or shorten it",
                    filename=filename,
                )
            ],
        )
    if source.startswith("\ufeff"):
        # A byte order mark some editors write: a space keeps the offsets.
        source = " " + source[1:]
    too_deep = _paren_depth_error(source, filename)
    if too_deep is not None:
        return ParsedTree(None, [too_deep])
    diags: list[Diagnostic] = []
    resume = 0
    while True:
        text = source if resume == 0 else _blank(source, resume)
        try:
            tree = parser().parse(text)
        except UnexpectedInput as exc:
            diag, after = _describe(exc, source, filename)
            diags.append(diag)
            resume = _resync(source, after, resume)
            if resume < 0 or len(diags) >= MAX_SYNTAX_ERRORS:
                return ParsedTree(None, diags)
            continue
        return ParsedTree(tree if not diags else None, diags)


def _paren_depth_error(source: str, filename: str | None) -> Diagnostic | None:
    depth = 0
    for match in _PARENS.finditer(source):
        text = match.group()
        if text == "(":
            depth += 1
            if depth > MAX_PAREN_DEPTH:
                return Diagnostic(
                    codes.TEXT_TOO_DEEP,
                    f"parentheses nest more than {MAX_PAREN_DEPTH} levels deep",
                    start=match.start(),
                    end=match.end(),
                    hint="the language allows a nesting depth of 32; split the computation",
                    filename=filename,
                )
        elif text == ")":
            depth = max(0, depth - 1)
    return None


_STRING_OR_COMMENT = re.compile(r'"(?:[^"\\\n]|\\.)*"|#[^\n]*')


def unstorable_strings(source: str, filename: str | None, *, nul: bool) -> list[Diagnostic]:
    """A lone surrogate (no image can hold one) and, with ``nul``, U+0000 (no
    database stores it: ``dslc.accept``), written as such or as a ``\\u``
    escape in a string."""
    out: list[Diagnostic] = []
    if (nul and "\x00" in source) or _has_surrogate(source):
        for i, char in enumerate(source):
            if (nul and char == "\x00") or 0xD800 <= ord(char) <= 0xDFFF:
                out.append(
                    Diagnostic(
                        codes.TEXT_BAD_CHARACTER,
                        f"the character {_char_name(char)} cannot be stored",
                        start=i,
                        end=i + 1,
                        filename=filename,
                    )
                )
                break
    if "\\u" not in source:
        return out
    for match in _STRING_OR_COMMENT.finditer(source):
        token = match.group()
        if token[0] != '"' or "\\u" not in token:
            continue
        try:
            value = json.loads(token)
        except ValueError:
            continue  # the parser reports a malformed string
        problem = string_problem(value if nul else value.replace("\x00", ""))
        if problem is not None:
            out.append(
                Diagnostic(
                    codes.TEXT_BAD_STRING,
                    f"this string {problem[1]}",
                    start=match.start(),
                    end=match.end(),
                    filename=filename,
                )
            )
    return out


def _has_surrogate(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _blank(source: str, upto: int) -> str:
    """``source`` with everything before ``upto`` turned into spaces, so that
    offsets (and so lines and columns) stay those of the original."""
    return re.sub(r"[^\n]", " ", source[:upto]) + source[upto:]


def _resync(source: str, error_at: int, previous: int) -> int:
    """Where to parse again: the start of the first line at or after the
    error's line that begins a new item, strictly after the last restart."""
    line_start = source.rfind("\n", 0, error_at) + 1
    for match in _RESYNC.finditer(source, line_start):
        start = match.start(1)
        # An item that starts before the error is the broken one; one that
        # starts at the error is where the previous item was cut short.
        if start > previous and start >= error_at:
            return start
    return -1


def _describe(exc: UnexpectedInput, source: str, filename: str | None) -> tuple[Diagnostic, int]:
    """The diagnostic for one lark error and the offset it points at."""
    if isinstance(exc, UnexpectedToken):
        return _unexpected_token(exc, source, filename)
    if isinstance(exc, UnexpectedCharacters):
        pos = exc.pos_in_stream or 0
        return _unexpected_character(source, pos, filename), pos + 1
    pos = getattr(exc, "pos_in_stream", None) or 0
    diag = Diagnostic(codes.TEXT_SYNTAX, str(exc), start=pos, end=pos + 1, filename=filename)
    return diag, pos + 1


# -- unexpected tokens ---------------------------------------------------------


def _unexpected_token(
    exc: UnexpectedToken, source: str, filename: str | None
) -> tuple[Diagnostic, int]:
    token = exc.token
    interactive = exc.interactive_parser
    expected = set(interactive.accepts()) if interactive is not None else set(exc.expected)
    previous = _previous_token_type(exc)
    if previous == "WORD" and len(expected) > 1:
        expected.discard("_LPAR")  # a call is possible after a name, but rarely meant
    wanted = describe_expected(expected, condition=previous in _CONDITION_CONTEXT)
    if token.type == "$END":
        end = _end_of_last_token(exc, source)
        diag = Diagnostic(
            codes.TEXT_UNEXPECTED_END,
            f"the file ends too early: expected {wanted}",
            start=end,
            end=end,
            hint=_hint(token, expected, previous),
            filename=filename,
        )
        return diag, len(source)
    start = token.start_pos if token.start_pos is not None else 0
    end = token.end_pos if token.end_pos is not None else start + 1
    if _is_reserved_name(token, expected):
        diag = Diagnostic(
            codes.TEXT_RESERVED_WORD,
            f"'{token}' is a keyword and cannot be used as a name",
            start=start,
            end=end,
            hint=f'write the name in double quotes: "{token}"',
            filename=filename,
        )
        return diag, start
    diag = Diagnostic(
        codes.TEXT_SYNTAX,
        f"expected {wanted}, found {describe_token(token)}",
        start=start,
        end=end,
        hint=_hint(token, expected, previous),
        filename=filename,
    )
    return diag, start


def _is_reserved_name(token: Token, expected: set[str]) -> bool:
    """A keyword where a name (rule, key, strategy) was expected."""
    return (
        str(token) in keywords()
        and {"WORD", "STRING"} <= expected
        and "NUMBER" not in expected
        and "_WHEN" not in expected
    )


def _previous_token_type(exc: UnexpectedToken) -> str | None:
    interactive = exc.interactive_parser
    if interactive is None:
        return None
    stack = interactive.parser_state.value_stack
    if stack and isinstance(stack[-1], Token):
        return stack[-1].type
    return None


def _end_of_last_token(exc: UnexpectedToken, source: str) -> int:
    interactive = exc.interactive_parser
    if interactive is not None:
        for item in reversed(interactive.parser_state.value_stack):
            if isinstance(item, Token) and item.end_pos is not None:
                return item.end_pos
            if isinstance(item, Tree) and not item.meta.empty:
                return item.meta.end_pos
    return len(source.rstrip())


def describe_expected(names: set[str], *, condition: bool = False) -> str:
    """A list of what the parser would accept, in words, most specific
    first: ``'then', an operator or a statement``."""
    names = set(names)
    groups: list[str] = []
    if {"WORD", "NUMBER"} <= names:
        groups.append("a condition" if condition else "a value")
        names -= _VALUE_START
    operator = None
    if names >= _OPERATORS:
        operator = "an operator"
        names -= _OPERATORS
    elif names >= _ARITHMETIC:
        operator = "an arithmetic operator"
        names -= _ARITHMETIC
    statement = None
    if names >= _STATEMENTS:
        statement = "a statement ('award', 'set', 'veto' or 'stop')"
        names -= _STATEMENTS
    item = None
    if {"_RULE", "_BEFORE", "_AFTER"} <= names:
        item = "a rule, a section header"
        names -= _ITEMS
    end = "the end of the file" if "$END" in names else None
    names.discard("$END")
    words = sorted(_terminal_word(n) for n in names)
    phrases = words + groups + [p for p in (operator, statement, item, end) if p]
    if not phrases:
        return "nothing more here"
    if len(phrases) == 1:
        return phrases[0]
    return ", ".join(phrases[:-1]) + " or " + phrases[-1]


def _terminal_word(name: str) -> str:
    if name in _TERMINAL_WORDS:
        return _TERMINAL_WORDS[name]
    text = terminal_pattern(name)
    return f"'{text}'" if text is not None else name.strip("_").lower()


def describe_token(token: Token) -> str:
    if token.type == "$END":
        return "the end of the file"
    value = str(token)
    if token.type == "STRING":
        return f"the string {_shorten(value)}"
    if token.type == "NUMBER":
        return f"the number {_shorten(value)}"
    return f"'{_shorten(value)}'"


def _shorten(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _hint(token: Token, expected: set[str], previous: str | None) -> str | None:
    """A suggestion for the common mistakes."""
    value = str(token)
    if token.type == "_ASSIGN" and "COMPARE_OP" in expected:
        return "to compare two values write '=='"
    if token.type == "WORD" and value in _FOREIGN_WORDS:
        return _FOREIGN_WORDS[value]
    if "_THEN" in expected and value in _STATEMENT_WORDS:
        return "write 'then' between the condition and the statements"
    if value == "points" and "NUMBER" in expected:
        return "the parent's points are read as parent.points (in rules under 'after parent')"
    if previous == "MINUS" and expected == {"NUMBER"}:
        return "a minus sign can only stand before a number; to negate a value write 0 - x"
    if token.type == "WORD":
        words = [w for w in (terminal_pattern(n) for n in expected) if w]
        close = difflib.get_close_matches(value, words, n=1, cutoff=0.75)
        if close:
            return f"did you mean '{close[0]}'?"
    if previous in ("_THEN", "_ELSE") and expected >= _STATEMENTS:
        return "each branch needs at least one statement, for example: stop"
    if expected == {"STRING"} and token.type in ("WORD", "NUMBER"):
        return f'names of cases are written in double quotes: "{_shorten(value)}"'
    if "_POINTS" in expected and token.type == "_AS":
        return 'write: award 10 points as "CaseName"'
    return None


# -- unexpected characters -------------------------------------------------------


def _unexpected_character(source: str, pos: int, filename: str | None) -> Diagnostic:
    char = source[pos]
    if char == '"':
        return _bad_string(source, pos, filename)
    hint = {
        "&": "join conditions with 'and'",
        "|": "join conditions with 'or'",
        "!": "negate a condition with 'not'; compare with '!='",
        "'": 'strings are written in double quotes: "text"',
        ".": "write numbers with a digit before the point: 0.5",
        "%": "the arithmetic operators are + - * / and the functions min, max, int, clamp",
        "^": "the arithmetic operators are + - * / and the functions min, max, int, clamp",
    }.get(char)
    return Diagnostic(
        codes.TEXT_BAD_CHARACTER,
        f"unexpected character {_char_name(char)}",
        start=pos,
        end=pos + 1,
        hint=hint,
        filename=filename,
    )


def _char_name(char: str) -> str:
    if char == "'":
        return "' (a single quote)"
    if char.isprintable() and not char.isspace():
        return f"'{char}'"
    return f"U+{ord(char):04X}"


def _bad_string(source: str, pos: int, filename: str | None) -> Diagnostic:
    """Why the string starting at ``pos`` did not lex."""
    i = pos + 1
    while i < len(source):
        char = source[i]
        if char in '\n"':
            break
        if char == "\\":
            nxt = source[i + 1 : i + 2]
            if nxt == "u" and re.fullmatch(r"[0-9a-fA-F]{4}", source[i + 2 : i + 6]):
                i += 6
                continue
            if nxt and nxt in _STRING_ESCAPES:
                i += 2
                continue
            return Diagnostic(
                codes.TEXT_BAD_STRING,
                f"invalid escape sequence '\\{nxt}' in a string",
                start=i,
                end=i + 2,
                hint='the escapes are \\" \\\\ \\/ \\b \\f \\n \\r \\t and \\uXXXX',
                filename=filename,
            )
        if ord(char) < 0x20:
            return Diagnostic(
                codes.TEXT_BAD_STRING,
                f"a string cannot contain the control character {_char_name(char)}",
                start=i,
                end=i + 1,
                hint="write it as an escape, such as \\t for a tab",
                filename=filename,
            )
        i += 1
    return Diagnostic(
        codes.TEXT_BAD_STRING,
        "this string is not closed",
        start=pos,
        end=i,
        hint='end it with a double quote (") on the same line',
        filename=filename,
    )


# -- limits before parsing -------------------------------------------------------

# One linear scan, far cheaper than a parse: strings and comments (skipped),
# numbers (so the sign of an exponent is no operator), words, operators.
_SCAN = re.compile(
    r'"(?:[^"\\\n]|\\.)*"|#[^\n]*|[0-9]+(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?'
    r"|[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z0-9_]+)*|<=|>=|==|!=|[-+*/<>()=,]"
)
# ``=`` and ``,`` are scanned only so that a sign after them (``A = -1``,
# ``max(1, -2)``) is not taken for a subtraction.
# Each of these words makes a node of its own that the validator counts: a
# rule, a statement, the first operand of a condition (``when``, ``else
# when``), one more operand of an ``and``/``or`` chain.
_NODE_WORDS = frozenset({"rule", "when", "award", "set", "veto", "stop", "and", "or"})
# A binary operator adds one more operand (a chain of one operator may be
# one flat node, but each operand is a node).
_BINARY = frozenset({"<=", ">=", "==", "!=", "<", ">", "+", "*", "/"})
_OPERAND_WORDS = frozenset({"true", "false", "null"})


def node_floor(source: str, *, stop_above: int | None = None) -> tuple[int, int]:
    """A lower bound of the node count the validator would find in
    ``source`` (every word and operator counted makes a node it counts), and
    the offset of the token that made it pass ``stop_above`` (-1: never)."""
    count = 1  # the program
    previous = ""
    words = keywords()
    for match in _SCAN.finditer(source):
        token = match.group()
        first = token[0]
        if first == "#":
            continue
        if (
            token in _NODE_WORDS
            or token in _BINARY
            or (token == "-" and _ends_operand(previous, words))
        ):
            count += 1
            if stop_above is not None and count > stop_above:
                return count, match.start()
        previous = token
    return count, -1


def _ends_operand(token: str, words: frozenset[str]) -> bool:
    """Whether a ``-`` after ``token`` subtracts (else it is a sign)."""
    if not token:
        return False
    if token in (")", '"') or token[0] in '"0123456789':
        return True
    if token[0].isalpha() or token[0] == "_":
        return token not in words or token in _OPERAND_WORDS
    return False


def not_chain_floor(source: str, *, stop_above: int) -> int:
    """The offset of a ``not`` that makes a chain of ``not`` certainly deeper
    than ``stop_above`` levels (the k-th ``not`` of a rule's condition is at
    depth k + 1, the rule being at 1), else -1."""
    run = 0
    for match in _SCAN.finditer(source):
        token = match.group()
        if token[0] == "#":
            continue
        if token == "not":
            run += 1
            if run + 1 > stop_above:
                return match.start()
        else:
            run = 0
    return -1


def limit_error(
    source: str, filename: str | None, *, max_nodes: int, max_depth: int
) -> Diagnostic | None:
    """A program certainly over the node or depth limit, found by a linear
    scan before any parse: a hostile megabyte costs a few milliseconds, not a
    parse and a tree. Never refuses what the validator accepts (the counts are
    lower bounds of its own); the validator words everything else."""
    too_deep = _paren_depth_error(source, filename)
    if too_deep is not None:
        return too_deep
    _count, at = node_floor(source, stop_above=max_nodes)
    if at >= 0:
        return Diagnostic(
            codes.NODE_LIMIT,
            f"the program has more than {max_nodes} nodes",
            start=at,
            end=at + 1,
            hint="found before parsing: split the strategy",
            filename=filename,
        )
    at = not_chain_floor(source, stop_above=max_depth)
    if at >= 0:
        return Diagnostic(
            codes.DEPTH_LIMIT,
            f"nesting depth exceeds the maximum of {max_depth}",
            start=at,
            end=at + 3,
            filename=filename,
        )
    return None
