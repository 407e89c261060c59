"""The middle stages on their own: checker, IR, optimizer and code generator,
each called directly on the previous stage's output (the golden files in
tests/golden pin what they print for the examples)."""

from __future__ import annotations

from dslc import codes
from dslc import ir as I
from dslc.ast import Arith, AssignPoints, Compare, Field, Literal, Program, Rule, SetPoints
from dslc.checker import check
from dslc.codegen import generate
from dslc.diagnostics import DiagnosticBag
from dslc.frontend import ast_front
from dslc.optimizer import optimize
from dslc.text.words import TEXT
from dslc.types import BOOL, FLOAT, INT
from vm import load, run
from vm.disasm import disassemble
from vm.image import encode
from vm.opcodes import Op

ONE = Literal(1)


def _program(*rules: Rule, post: tuple[Rule, ...] | None = None) -> Program:
    return ast_front(Program(rules=rules, post_rules=post), strict_types=False).program


def _checked(program: Program, *, strict: bool = False) -> tuple[I.IRProgram, DiagnosticBag]:
    bag = DiagnosticBag()
    return check(program, bag, strict=strict), bag


def _award(value: object, case: str = "C") -> AssignPoints:
    return AssignPoints(value if not isinstance(value, int | float | str) else Literal(value), case)


# -- checker ---------------------------------------------------------------------


def test_the_checker_types_fields_and_arithmetic() -> None:
    when = Compare("<", Field("user.avg_time"), Arith("*", Field("all.avg_time"), Literal(0.8)))
    ir, bag = _checked(_program(Rule(when, (_award(10),), id="fast", named=True)))
    assert bag.items == []
    (rule,) = ir.full.body
    assert isinstance(rule, I.If) and rule.node_id == "fast"
    assert isinstance(rule.cond, I.Compare) and rule.cond.type == BOOL
    assert isinstance(rule.cond.left, I.HostField) and rule.cond.left.path == "user.avg_time"
    assert isinstance(rule.cond.right, I.Arith) and rule.cond.right.type >= FLOAT
    (stmt,) = rule.then
    assert isinstance(stmt, I.AssignPoints) and stmt.value == I.Const(10, stmt.value.node_id)
    assert stmt.value.type == INT


def test_a_certain_type_error_is_an_error_for_text_and_a_warning_for_json() -> None:
    program = _program(Rule(Literal(True), (_award("ten"),)))
    _, lenient = _checked(program)
    (warning,) = lenient.items
    assert (warning.code, warning.is_error) == (codes.TYPE_ASSIGN_POINTS, False)
    assert warning.message.endswith("(this node fails whenever it runs)")
    bag = DiagnosticBag()
    check(program, bag, strict=True, vocabulary=TEXT)
    (error,) = bag.items
    assert (error.code, error.is_error) == (codes.TYPE_ASSIGN_POINTS, True)
    assert error.message == "'award' needs a number, but the value is string"


def test_post_rules_read_the_parent() -> None:
    post = Rule(Literal(True), (SetPoints(Arith("*", Field("parent.points"), Literal(2))),))
    ir, bag = _checked(_program(post=(post,)))
    assert bag.items == [] and ir.has_post and not ir.has_pre
    (rule,) = ir.post.body
    assert isinstance(rule, I.If)
    (stmt,) = rule.then
    assert isinstance(stmt, I.SetPoints) and isinstance(stmt.value, I.Arith)
    assert isinstance(stmt.value.left, I.ParentField) and stmt.value.left.attr == "points"


# -- IR --------------------------------------------------------------------------


def test_ir_dump_names_rules_and_sections() -> None:
    when = Compare(">=", Field("data.count"), Literal(3))
    ir, _ = _checked(_program(Rule(when, (_award(5, "Many"),), id="many", named=True)))
    assert I.dump(ir).splitlines() == [
        f"program {ir.program_id!r}",
        "  section full:",
        "    if (data.count >= 3):  # many",
        "      assign_points 5 'Many'",
        "  section pre:",
        "  section post:",
    ]


def test_halts_sees_a_halting_statement() -> None:
    assert I.halts((I.Return("r"),))
    assert I.halts((I.AssignPoints(I.Const(1), "C", "a"),))  # the first award ends a run
    assert not I.halts((I.SetCallbackData("k", I.Const(1), "s"),))


# -- optimizer -------------------------------------------------------------------


def _optimized_body(*rules: Rule) -> tuple[I.Stmt, ...]:
    ir, _ = _checked(_program(*rules))
    return optimize(ir).full.body


def test_constants_fold_with_the_vm_operations() -> None:
    (stmt,) = _optimized_body(Rule(Literal(True), (_award(Arith("+", ONE, Literal(2.5))),)))
    assert isinstance(stmt, I.AssignPoints)
    assert stmt.value.value == 3.5 and type(stmt.value.value) is float  # type: ignore[union-attr]


def test_a_constant_condition_decides_its_branch() -> None:
    never = Rule(Compare(">", ONE, Literal(2)), (_award(1),))
    always = Rule(Compare("<", ONE, Literal(2)), (_award(2),))
    body = _optimized_body(never, always)
    assert len(body) == 1 and isinstance(body[0], I.AssignPoints)
    assert body[0].value.value == 2  # type: ignore[union-attr]


def test_a_certain_runtime_error_is_not_folded_away() -> None:
    """1 / 0 stays in the code, so the VM raises it with the node's id."""
    (rule,) = _optimized_body(Rule(Literal(True), (_award(Arith("/", ONE, Literal(0))),)))
    assert isinstance(rule, I.AssignPoints) and isinstance(rule.value, I.Arith)


def test_code_after_a_halting_statement_is_dropped() -> None:
    ir = I.IRProgram(
        program_id="p",
        full=I.Section((I.Return("r"), I.AssignPoints(I.Const(1), "C", "a"))),
        pre=I.Section(()),
        post=I.Section(()),
        has_pre=False,
        has_post=False,
        parent_variables=None,
    )
    assert optimize(ir).full.body == (I.Return("r"),)


# -- code generator --------------------------------------------------------------


def test_codegen_is_deterministic_and_runs() -> None:
    when = Compare(">", Field("data.count"), Literal(2))
    ir, _ = _checked(_program(Rule(when, (_award(7, "Seven"),), id="r", named=True)))
    image = generate(optimize(ir))
    assert encode(image) == encode(generate(optimize(ir)))
    program = load(encode(image))
    assert run(program, phase="full", data={"count": 3}).points == 7
    assert run(program, phase="full", data={"count": 1}).points == 0


def test_a_compare_and_branch_is_one_instruction() -> None:
    ir, _ = _checked(_program(Rule(Compare("<", Field("data.n"), Literal(1)), (_award(1),))))
    listing = disassemble(generate(optimize(ir)))
    compare_ops = {name for name in Op.__members__ if "CMP" in name or name.startswith("JUMP")}
    used = {word for line in listing.splitlines() for word in line.split() if word in compare_ops}
    assert len(used) == 1, listing
