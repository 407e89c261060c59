"""The cost limits a published strategy must meet.

Every image the compiler writes carries a cost certificate (vm.cost,
docs/bytecode.md): per phase, the most VM steps and the most distinct host
fields fetched over all paths. GAME caps a program's node count and depth;
this caps what one event can cost, which is the bound a scoring engine
actually needs. Drafts may exceed the limits (a designer can save work in
progress); publishing and rolling back to such a version are refused.
"""

from __future__ import annotations

from dataclasses import dataclass

from store import toolchain
from store.errors import InvalidDefinition

COST_EXCEEDED = "DSLC_STORE_COST_EXCEEDED"

# The largest corpus program takes a few hundred steps and reads a dozen
# fields; the defaults leave an order of magnitude of room.
DEFAULT_MAX_STEPS = 5000
DEFAULT_MAX_FETCHES = 64


@dataclass(frozen=True, slots=True)
class CostLimits:
    """Per phase: the most steps and distinct field fetches allowed."""

    max_steps: int = DEFAULT_MAX_STEPS
    max_fetches: int = DEFAULT_MAX_FETCHES

    def __post_init__(self) -> None:
        for name in ("max_steps", "max_fetches"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be a positive int, not {value!r}")


def check_cost(name: str, image: bytes, limits: CostLimits) -> None:
    """Raise ``InvalidDefinition`` (code ``DSLC_STORE_COST_EXCEEDED``, one
    diagnostic per phase and measure over its limit) when the image's
    certificate exceeds ``limits``."""
    problems = []
    for phase, (steps, fetches) in toolchain.certificate_of(image).items():
        if steps > limits.max_steps:
            problems.append(f"phase {phase!r} may take {steps} steps (limit {limits.max_steps})")
        if fetches > limits.max_fetches:
            problems.append(
                f"phase {phase!r} may fetch {fetches} fields (limit {limits.max_fetches})"
            )
    if problems:
        raise InvalidDefinition(
            f"{name!r} exceeds the store's cost limits",
            [
                {"code": COST_EXCEEDED, "severity": "error", "message": p, "pointer": ""}
                for p in problems
            ],
        )
