"""How an input kind names things in diagnostics.

The validator and the checker serve every front end, but a designer who
wrote text should read ``'veto' cannot be used in the main rules`` where a
JSON author reads ``veto is not allowed in rules``. Each front end hands
its ``Vocabulary`` to the shared stages, and the messages are built from it:
codes, locations and severities do not depend on it, only the words.

``JSON`` is the GAME JSON AST's vocabulary (its node types and keys);
``dslc.text.words.TEXT`` is the text language's.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from dslc.ast import STATEMENT_SECTIONS, Loc

SECTION_ORDER: tuple[str, ...] = ("rules", "default", "pre_rules", "post_rules")


@dataclass(frozen=True, slots=True)
class Vocabulary:
    """The words of one input kind.

    ``statements`` maps a JSON statement type to how it is named (quoted
    as needed); ``sections`` a section to how "in SECTION" reads.
    ``variable_locs`` is where each ``parent_variables`` key is written,
    when the input has a finer place than the program (text has lines).
    """

    kind: str
    statements: Mapping[str, str]
    sections: Mapping[str, str]
    case_name: str
    parent_variable: str
    variable_locs: Mapping[str, Loc] = field(default_factory=dict)

    @property
    def is_text(self) -> bool:
        return self.kind == "text"

    def statement(self, stmt_type: str) -> str:
        return self.statements.get(stmt_type, stmt_type)

    def section(self, section: str) -> str:
        return self.sections.get(section, section)

    def statement_not_allowed(self, stmt_type: str, section: str) -> tuple[str, str | None]:
        """The message and hint for a statement outside its sections."""
        allowed = [s for s in SECTION_ORDER if s in STATEMENT_SECTIONS[stmt_type]]
        word = self.statement(stmt_type)
        if not self.is_text:
            where = ", ".join(allowed)
            return f"{word} is not allowed in {section}; it is allowed in: {where}", None
        places = [self.section(s) for s in allowed]
        listed = places[0] if len(places) == 1 else ", ".join(places[:-1]) + " or " + places[-1]
        return f"{word} cannot be used in {self.section(section)}", f"{word} is allowed in {listed}"

    def parent_field_outside_post(self, path: str, section: str) -> tuple[str, str | None]:
        """The message and hint for a ``parent.*`` field read before the parent ran."""
        if not self.is_text:
            return (
                f"field {path!r} is only available inside post_rules, not in {section}",
                None,
            )
        return (
            f"'{path}' can only be read in {self.section('post_rules')}, "
            f"not in {self.section(section)}",
            "the parent's result exists only once the parent has run",
        )


JSON = Vocabulary(
    kind="json",
    statements={name: name for name in STATEMENT_SECTIONS},
    sections={name: name for name in SECTION_ORDER},
    case_name="case_name",
    parent_variable="parent_variables key",
)
