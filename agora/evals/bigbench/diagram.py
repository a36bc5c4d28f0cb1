"""Reliability diagrams as a small, dependency-free SVG: one panel per method.

Each panel plots, for every non-empty confidence bin, the bin's accuracy as a bar at the bin's
position, with the diagonal (perfect calibration) and the bin's mean confidence as a tick. A
bar under its tick is over-confidence. The panel title gives the ECE and the examples pooled.

Example:
    >>> from agora.evals.bigbench.metrics import reliability
    >>> svg = reliability_svg({"toy": reliability([0.9, 0.8], [True, False])})
    >>> svg.startswith("<svg") and "toy" in svg
    True
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from html import escape
from pathlib import Path

from agora.evals.bigbench.metrics import Bin

__all__ = ["reliability_svg", "write_svg"]

_SIDE = 220  # plot area of one panel, in pixels
_PAD = 40
_COLUMNS = 3


def _panel(title: str, bins: Sequence[Bin], x0: float, y0: float) -> list[str]:
    total = sum(b.count for b in bins)
    ece = sum(b.count * abs(b.accuracy - b.confidence) for b in bins) / total if total else 0.0

    def px(value: float) -> float:
        return x0 + value * _SIDE

    def py(value: float) -> float:
        return y0 + (1.0 - value) * _SIDE

    parts = [
        f'<text x="{x0}" y="{y0 - 8}" font-size="12">{escape(title)}</text>',
        f'<text x="{x0}" y="{y0 + _SIDE + 28}" font-size="10">'
        f"pooled ECE {ece:.3f}, n = {total}; x: confidence, y: accuracy</text>",
        f'<rect x="{x0}" y="{y0}" width="{_SIDE}" height="{_SIDE}" fill="none" stroke="#444"/>',
        f'<line x1="{px(0)}" y1="{py(0)}" x2="{px(1)}" y2="{py(1)}" stroke="#999" '
        'stroke-dasharray="4 3"/>',
    ]
    for tick in (0.0, 0.5, 1.0):
        parts.append(
            f'<text x="{px(tick) - 6}" y="{y0 + _SIDE + 13}" font-size="9">{tick:g}</text>'
        )
        parts.append(f'<text x="{x0 - 18}" y="{py(tick) + 3}" font-size="9">{tick:g}</text>')
    for b in bins:
        if not b.count:
            continue
        width = (b.high - b.low) * _SIDE
        height = b.accuracy * _SIDE
        parts.append(
            f'<rect x="{px(b.low):.1f}" y="{py(b.accuracy):.1f}" width="{width - 1:.1f}" '
            f'height="{height:.1f}" fill="#4c78a8" fill-opacity="0.8"/>'
        )
        parts.append(
            f'<line x1="{px(b.low):.1f}" y1="{py(b.confidence):.1f}" x2="{px(b.high):.1f}" '
            f'y2="{py(b.confidence):.1f}" stroke="#e45756" stroke-width="2"/>'
        )
    return parts


def reliability_svg(panels: Mapping[str, Sequence[Bin]], *, title: str = "") -> str:
    """An SVG document with one reliability panel per entry of `panels`."""
    count = max(1, len(panels))
    columns = min(_COLUMNS, count)
    rows = -(-count // columns)
    cell_w, cell_h = _SIDE + 2 * _PAD, _SIDE + 2 * _PAD + 10
    width, height = columns * cell_w, rows * cell_h + 24
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="sans-serif">',
        f'<rect width="{width}" height="{height}" fill="white"/>',
        f'<text x="10" y="16" font-size="13">{escape(title)}</text>',
    ]
    for index, (name, bins) in enumerate(panels.items()):
        row, column = divmod(index, columns)
        parts += _panel(name, bins, column * cell_w + _PAD, row * cell_h + _PAD + 24)
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def write_svg(path: Path, panels: Mapping[str, Sequence[Bin]], *, title: str = "") -> Path:
    """Write `reliability_svg` to `path` (parent folders created) and return `path`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(reliability_svg(panels, title=title), encoding="utf-8")
    return path
