"""engine: what a scoring service imports (DESIGN.md).

``engine.game`` is the drop-in for GAME's stored-strategy class::

    from engine.game import DslStrategy, use_exceptions, validate_ast

    strategy = DslStrategy(definition, interpreter, analytics_service,
                           parent_strategy=parent, observer=observer)
    result = await strategy.calculate_points(game_id, task_id, user_id, data)

It imports ``vm``, ``dslc`` and ``store``; none of them imports it.
"""

from __future__ import annotations
