"""Plots of a replay (one version) or a diff (two, overlaid): the points
distribution as a histogram and the events per case name side by side.

``.png`` is drawn with matplotlib (the ``plot`` extra; imported only here,
when a plot is asked for, with the Agg backend: no display needed);
``.html`` is a self-contained page with inline SVG (no script, no network).
"""

from __future__ import annotations

import html
import io
import math
from collections.abc import Sequence
from pathlib import Path

from dslc.replay import Summary
from dslc.sources import write_atomically

SUFFIXES = (".png", ".html")
BINS = 30
MAX_CASES = 25  # the most frequent case names drawn; the rest summed as "(other)"
_COLORS = ("#1f77b4", "#ff7f0e")


class PlotError(ValueError):
    """A plot that cannot be drawn (unknown suffix, matplotlib missing)."""


def check_target(path: str | Path) -> None:
    """Refuse a plot file the command could not write, before any work."""
    suffix = Path(path).suffix.lower()
    if suffix not in SUFFIXES:
        raise PlotError(f"--plot: {path}: the file must end in .png or .html")
    if suffix == ".png":
        try:
            import matplotlib  # noqa: F401
        except ImportError:
            raise PlotError(
                "--plot: PNG plots need matplotlib: pip install 'dslc[plot]' "
                "(or write .html, which needs nothing)"
            ) from None


Series = Sequence[tuple[str, Summary]]


def write_plot(path: str | Path, series: Series, title: str) -> None:
    """Draw one or two summaries to ``path`` (.png or .html), atomically."""
    check_target(path)
    if Path(path).suffix.lower() == ".png":
        data = _png(series, title)
    else:
        data = _html(series, title).encode("utf-8")
    write_atomically(path, data)


def bins(series: Series, count: int = BINS) -> tuple[list[float], list[list[int]]]:
    """Shared bin edges over every series' points, and each series' counts
    (the last bin includes its right edge)."""
    values = [v for _, s in series for v in s.points]
    if not values:
        return [0.0, 1.0], [[0] for _ in series]
    low, high = min(values), max(values)
    if low == high:
        low, high = low - 0.5, high + 0.5
    # Integer points (the common case) get one bin per value when few.
    if all(float(v).is_integer() for v in values) and high - low + 1 <= count:
        low, high = math.floor(low) - 0.5, math.ceil(high) + 0.5
        count = int(high - low)
    width = (high - low) / count
    edges = [low + i * width for i in range(count + 1)]
    out = []
    for _, s in series:
        counts = [0] * count
        for v in s.points:
            counts[min(int((v - low) / width), count - 1)] += 1
        out.append(counts)
    return edges, out


def case_table(series: Series, limit: int = MAX_CASES) -> tuple[list[str], list[list[int]]]:
    """Case names (errors included, by count over all series) and each
    series' count per name; past ``limit`` names the rest become (other)."""
    total: dict[str, int] = {}
    for _, s in series:
        for name, n in [*s.cases.items(), *((f"error[{c}]", n) for c, n in s.errors.items())]:
            total[name] = total.get(name, 0) + n
    names = sorted(total, key=lambda k: (-total[k], k))
    kept, rest = names[:limit], names[limit:]
    rows = []
    for _, s in series:
        counts = {**s.cases, **{f"error[{c}]": n for c, n in s.errors.items()}}
        row = [counts.get(name, 0) for name in kept]
        if rest:
            row.append(sum(counts.get(name, 0) for name in rest))
        rows.append(row)
    return kept + (["(other)"] if rest else []), rows


# -- PNG -----------------------------------------------------------------------


def _png(series: Series, title: str) -> bytes:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    edges, counts = bins(series)
    names, rows = case_table(series)
    fig = Figure(figsize=(13, 5.5), layout="constrained")
    fig.suptitle(title)
    hist, bars = fig.subplots(1, 2, width_ratios=(1, 1.2))
    for i, (label, _s) in enumerate(series):
        hist.stairs(counts[i], edges, fill=True, alpha=0.45, color=_COLORS[i], label=label)
        hist.stairs(counts[i], edges, color=_COLORS[i])
    hist.set_xlabel("points")
    hist.set_ylabel("events")
    hist.set_title("points distribution")
    hist.legend()
    width = 0.8 / len(series)
    for i, (label, _s) in enumerate(series):
        xs = [x + (i - (len(series) - 1) / 2) * width for x in range(len(names))]
        bars.bar(xs, rows[i], width=width, color=_COLORS[i], label=label)
    bars.set_xticks(range(len(names)), names, rotation=35, ha="right", fontsize=8)
    bars.set_ylabel("events")
    bars.set_title("events per case name")
    bars.legend()
    out = io.BytesIO()
    fig.savefig(out, format="png", dpi=100)
    return out.getvalue()


# -- HTML ----------------------------------------------------------------------


def _html(series: Series, title: str) -> str:
    edges, counts = bins(series)
    names, rows = case_table(series)
    legend = " ".join(
        f'<span class="key" style="background:{_COLORS[i]}"></span>{html.escape(label)}'
        for i, (label, _s) in enumerate(series)
    )
    tables = "".join(_stats_table(label, s) for label, s in series)
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{html.escape(title)}</title><style>"
        "body{font-family:sans-serif;margin:1.5em}"
        ".key{display:inline-block;width:1em;height:1em;margin:0 .3em 0 1em;"
        "vertical-align:middle}"
        "svg{border:1px solid #ddd;margin:.5em}table{border-collapse:collapse;margin:.5em}"
        "td,th{border:1px solid #ccc;padding:.2em .6em;text-align:right}"
        "</style></head><body>\n"
        f"<h1>{html.escape(title)}</h1><p>{legend}</p>\n"
        f"{_svg_histogram(edges, counts)}\n{_svg_cases(names, rows)}\n{tables}\n"
        "</body></html>\n"
    )


def _stats_table(label: str, s: Summary) -> str:
    dist = s.distribution() or {}
    cells = "".join(f"<td>{_num(v)}</td>" for v in dist.values())
    heads = "".join(f"<th>{k}</th>" for k in dist)
    return (
        f"<table><caption>{html.escape(label)}: {s.events} events, "
        f"{sum(s.errors.values())} errors</caption><tr>{heads}</tr><tr>{cells}</tr></table>"
    )


def _num(v: float) -> str:
    return f"{v:.6g}"


_W, _H, _PAD = 560, 320, 48


def _svg_histogram(edges: list[float], counts: list[list[int]]) -> str:
    top = max((c for row in counts for c in row), default=0) or 1
    n = len(edges) - 1
    plot_w, plot_h = _W - 2 * _PAD, _H - 2 * _PAD
    parts = [_svg_open("points distribution")]
    for i, row in enumerate(counts):
        for b, c in enumerate(row):
            if not c:
                continue
            h = plot_h * c / top
            x = _PAD + plot_w * b / n
            parts.append(
                f'<rect x="{x:.1f}" y="{_H - _PAD - h:.1f}" width="{plot_w / n:.1f}" '
                f'height="{h:.1f}" fill="{_COLORS[i]}" fill-opacity="0.5">'
                f"<title>[{_num(edges[b])}, {_num(edges[b + 1])}): {c}</title></rect>"
            )
    parts.append(_axes(f"{_num(edges[0])}", f"{_num(edges[-1])}", "points", top))
    parts.append("</svg>")
    return "".join(parts)


def _svg_cases(names: list[str], rows: list[list[int]]) -> str:
    top = max((c for row in rows for c in row), default=0) or 1
    plot_w, plot_h = _W - 2 * _PAD, _H - 2 * _PAD
    slot = plot_w / max(len(names), 1)
    width = slot * 0.8 / max(len(rows), 1)
    parts = [_svg_open("events per case name")]
    for i, row in enumerate(rows):
        for k, c in enumerate(row):
            h = plot_h * c / top
            x = _PAD + k * slot + slot * 0.1 + i * width
            parts.append(
                f'<rect x="{x:.1f}" y="{_H - _PAD - h:.1f}" width="{width:.1f}" '
                f'height="{h:.1f}" fill="{_COLORS[i]}">'
                f"<title>{html.escape(names[k])}: {c}</title></rect>"
            )
    for k, name in enumerate(names):
        x = _PAD + (k + 0.5) * slot
        parts.append(
            f'<text x="{x:.1f}" y="{_H - _PAD + 12}" font-size="9" text-anchor="end" '
            f'transform="rotate(-35 {x:.1f} {_H - _PAD + 12})">{html.escape(name[:24])}</text>'
        )
    parts.append(_axes("", "", "", top))
    parts.append("</svg>")
    return "".join(parts)


def _svg_open(caption: str) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{_W}" height="{_H}" '
        f'viewBox="0 0 {_W} {_H}" role="img"><title>{html.escape(caption)}</title>'
        f'<text x="{_W / 2}" y="18" text-anchor="middle" font-size="14">'
        f"{html.escape(caption)}</text>"
    )


def _axes(left: str, right: str, xlabel: str, top: int) -> str:
    y0 = _H - _PAD
    return (
        f'<line x1="{_PAD}" y1="{y0}" x2="{_W - _PAD}" y2="{y0}" stroke="#333"/>'
        f'<line x1="{_PAD}" y1="{_PAD}" x2="{_PAD}" y2="{y0}" stroke="#333"/>'
        f'<text x="{_PAD - 4}" y="{_PAD + 4}" font-size="10" text-anchor="end">{top}</text>'
        f'<text x="{_PAD - 4}" y="{y0}" font-size="10" text-anchor="end">0</text>'
        f'<text x="{_PAD}" y="{y0 + 14}" font-size="10">{html.escape(left)}</text>'
        f'<text x="{_W - _PAD}" y="{y0 + 14}" font-size="10" text-anchor="end">'
        f"{html.escape(right)}</text>"
        f'<text x="{_W / 2}" y="{_H - 8}" font-size="11" text-anchor="middle">'
        f"{html.escape(xlabel)}</text>"
    )
