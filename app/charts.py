"""Server-side SVG charts: horizontal bars, 100 % stacked bars and lines.

Inline SVG, no script, no external font or URL: charts work offline and print.
Every label is escaped; each chart has ``role="figure"`` (its marks may be links), a
``<title>`` and a description, and each mark its own ``<title>`` (tooltip and screen-reader text).
Marks may link (``href``) to the figure's drill-down page.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from markupsafe import Markup, escape

from app.i18n import number as format_number

#: Text size in the drawing's units. The drawing is WIDTH units wide and shown at least
#: MIN_WIDTH px wide (portal.css), so text is never under 12 px on a phone or a desktop.
FONT_SIZE = 14
FONT = f"font-family:sans-serif;font-size:{FONT_SIZE}px"
WIDTH = 560
MIN_WIDTH = 480
#: A generous width of one character, to keep legends and axis labels inside the drawing.
CHAR_WIDTH = FONT_SIZE * 0.62
PALETTE = ["#1f77b4", "#2ca02c", "#ff7f0e", "#d62728", "#9467bd", "#8c564b", "#7f7f7f"]
LABEL_CHARS = 20


def _e(value) -> str:
    return str(escape("" if value is None else str(value)))


def _short(label: str, limit: int = LABEL_CHARS) -> str:
    label = str(label)
    return label if len(label) <= limit else label[: limit - 1] + "…"


def _num(value) -> float:
    return float(value) if value is not None else 0.0


def _fmt(value, unit: str = "") -> str:
    """A value in the locale's format, one decimal at most, the unit attached: "98,7%"."""
    if value is None:
        return "–"
    return f"{format_number(Decimal(str(value)), 1)}{unit}"


def _text_width(label: str) -> float:
    return len(str(label)) * CHAR_WIDTH


def nice_ticks(highest: float, count: int = 4) -> list[float]:
    """Round axis ticks from 0 to at least `highest`: steps of 1, 2, 2.5 or 5 × 10ⁿ."""
    highest = max(float(highest), 1.0)
    raw = highest / count
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)
    steps = math.ceil(highest / step - 1e-9)
    return [round(i * step, 6) for i in range(steps + 1)]


def _legend(items: Sequence[tuple[str, str]], y: int, width: int, left: int = 8):
    """Colour keys with their full labels, wrapped onto more lines; returns (marks, height)."""
    parts, x, line = [], left, 0
    for color, label in items:
        size = 14 + _text_width(label) + 16
        if x > left and x + size > width:
            x, line = left, line + 1
        top = y + line * (FONT_SIZE + 8)
        parts.append(
            f'<rect x="{x}" y="{top}" width="11" height="11" fill="{_e(color)}"/>'
            f'<text x="{x + 15}" y="{top + 11}" style="{FONT}">{_e(label)}</text>'
        )
        x += size
    return parts, (line + 1) * (FONT_SIZE + 8) if items else 0


def _open(width: int, height: int, title: str, desc: str = "") -> list[str]:
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="figure" '
        f'viewBox="0 0 {width} {height}" width="100%" style="max-width:{width}px" '
        f'preserveAspectRatio="xMinYMin meet" aria-label="{_e(title)}">',
        f"<title>{_e(title)}</title>",
        f"<desc>{_e(desc or title)}</desc>",
    ]


def _link(href: str | None, body: str) -> str:
    return f'<a href="{_e(href)}">{body}</a>' if href else body


@dataclass(frozen=True)
class Bar:
    label: str
    value: Decimal | float | int | None
    href: str | None = None


def bar_chart(bars: Sequence[Bar], title: str, unit: str = "%", max_value=None,
              reference: float | None = None) -> Markup:  # fmt: skip
    """Horizontal bars, one per item; `reference` draws a dashed line (e.g. 100 %)."""
    row, top = FONT_SIZE + 12, 8
    left = 12 + _text_width("x" * min(LABEL_CHARS, max([len(b.label) for b in bars] + [4])))
    right = 12 + _text_width(_fmt(max([_num(b.value) for b in bars] + [100]), unit))
    width = WIDTH
    height = top * 2 + row * max(len(bars), 1)
    top_value = max([_num(b.value) for b in bars] + [_num(max_value), _num(reference), 1])
    scale = (width - left - right) / top_value
    parts = _open(width, height, title)
    for index, bar in enumerate(bars):
        y = top + index * row
        length = max(_num(bar.value) * scale, 0)
        label = f"{bar.label}: {_fmt(bar.value, unit)}"
        mark = (
            f'<g class="bar"><title>{_e(label)}</title>'
            f'<text x="{left - 6:.1f}" y="{y + row - 8}" text-anchor="end" style="{FONT}">'
            f"{_e(_short(bar.label))}</text>"
            f'<rect x="{left:.1f}" y="{y + 3}" width="{length:.1f}" height="{row - 6}" '
            f'fill="{PALETTE[0]}"/>'
            f'<text x="{left + length + 4:.1f}" y="{y + row - 8}" style="{FONT}">'
            f"{_e(_fmt(bar.value, unit))}</text></g>"
        )
        parts.append(_link(bar.href, mark))
    if reference is not None:
        x = left + reference * scale
        parts.append(
            f'<line x1="{x:.1f}" y1="{top}" x2="{x:.1f}" y2="{height - top}" stroke="#555" '
            f'stroke-dasharray="4 3"/>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))  # every text above is escaped


@dataclass(frozen=True)
class Segment:
    key: str
    label: str
    color: str


@dataclass(frozen=True)
class StackedRow:
    label: str
    values: dict  # segment key → count
    href: str | None = None
    segment_hrefs: dict | None = None


def stacked_bar(rows: Sequence[StackedRow], segments: Sequence[Segment], title: str) -> Markup:
    """100 % stacked horizontal bars with a legend; each segment shows count and share."""
    row, top, right = FONT_SIZE + 12, 8, 12
    left = 12 + _text_width("x" * min(LABEL_CHARS, max([len(r.label) for r in rows] + [4])))
    width = WIDTH
    legend, legend_height = _legend([(s.color, s.label) for s in segments], top, width)
    height = top * 2 + legend_height + row * max(len(rows), 1)
    inner = width - left - right
    parts = _open(width, height, title) + legend
    for index, item in enumerate(rows):
        y = top + legend_height + index * row
        total = sum(int(item.values.get(s.key, 0) or 0) for s in segments)
        parts.append(
            _link(
                item.href,
                f'<text x="{left - 6:.1f}" y="{y + row - 8}" text-anchor="end" style="{FONT}">'
                f"<title>{_e(item.label)}</title>{_e(_short(item.label))}</text>",
            )
        )
        offset = float(left)
        for segment in segments:
            count = int(item.values.get(segment.key, 0) or 0)
            if not count or not total:
                continue
            share = count / total
            size = share * inner
            tip = f"{item.label} — {segment.label}: {count} ({_fmt(share * 100, '%')})"
            mark = (
                f'<rect x="{offset:.1f}" y="{y + 3}" width="{size:.1f}" height="{row - 6}" '
                f'fill="{_e(segment.color)}"><title>{_e(tip)}</title></rect>'
            )
            href = (item.segment_hrefs or {}).get(segment.key)
            parts.append(_link(href, mark))
            offset += size
        if not total:
            parts.append(
                f'<text x="{left + 4:.1f}" y="{y + row - 8}" style="{FONT};fill:#555">0</text>'
            )
    parts.append("</svg>")
    return Markup("".join(parts))  # every text above is escaped


@dataclass(frozen=True)
class Series:
    label: str
    values: Sequence  # one value (or None) per x label
    color: str = PALETTE[0]


def line_chart(x_labels: Sequence[str], series: Sequence[Series], title: str, unit: str = "%",
               max_value=None) -> Markup:  # fmt: skip
    """Lines over periods; gaps where a value is missing; points carry their value."""
    values = [_num(v) for s in series for v in s.values if v is not None]
    ticks = nice_ticks(max(values + [_num(max_value), 1]))
    top_value = ticks[-1]
    half_label = max([_text_width(_short(x, 18)) for x in x_labels] + [0]) / 2
    width, right = WIDTH, max(16, half_label + 4)
    left = max(12 + max(_text_width(_fmt(t)) for t in ticks), half_label + 4)
    colors = [s.color or PALETTE[n % len(PALETTE)] for n, s in enumerate(series)]
    legend, top = _legend(list(zip(colors, [s.label for s in series], strict=True)), 6, width)
    top += 14
    height, bottom = top + 190, FONT_SIZE + 18
    inner_w, inner_h = width - left - right, height - top - bottom
    step = inner_w / max(len(x_labels) - 1, 1)
    parts = _open(width, height, title) + legend

    def point(index: int, value) -> tuple[float, float]:
        x = left + (index * step if len(x_labels) > 1 else inner_w / 2)
        return x, top + inner_h - _num(value) / top_value * inner_h

    for tick in ticks:
        y = top + inner_h - tick / top_value * inner_h
        parts.append(
            f'<line x1="{left:.1f}" y1="{y:.1f}" x2="{width - right:.1f}" y2="{y:.1f}" '
            f'stroke="#ddd"/><text x="{left - 4:.1f}" y="{y + 5:.1f}" text-anchor="end" '
            f'style="{FONT}">{_e(_fmt(tick))}</text>'
        )
    for index, label in enumerate(x_labels):
        x, _y = point(index, 0)
        parts.append(
            f'<text x="{x:.1f}" y="{height - bottom + FONT_SIZE + 6}" text-anchor="middle" '
            f'style="{FONT}"><title>{_e(label)}</title>{_e(_short(label, 18))}</text>'
        )
    for line, color in zip(series, colors, strict=True):
        color = _e(color)
        segment: list[str] = []
        for index, value in enumerate(line.values):
            if value is None:
                if len(segment) > 1:
                    parts.append(_polyline(segment, color))
                segment = []
                continue
            px, py = point(index, value)
            segment.append(f"{px:.1f},{py:.1f}")
            tip = f"{line.label} — {x_labels[index]}: {_fmt(value, unit)}"
            parts.append(
                f'<circle cx="{px:.1f}" cy="{py:.1f}" r="3.5" fill="{color}">'
                f"<title>{_e(tip)}</title></circle>"
            )
        if len(segment) > 1:
            parts.append(_polyline(segment, color))
    parts.append("</svg>")
    return Markup("".join(parts))  # every text above is escaped


def _polyline(points: list[str], color: str) -> str:
    return f'<polyline fill="none" stroke="{color}" stroke-width="2" points="{" ".join(points)}"/>'
