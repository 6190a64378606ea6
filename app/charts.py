"""Server-side SVG charts: horizontal bars, 100 % stacked bars and lines.

Inline SVG, no script, no external font or URL: charts work offline and print.
Every label is escaped; each chart has ``role="img"``, a ``<title>`` and a
description, and each mark its own ``<title>`` (tooltip and screen-reader text).
Marks may link (``href``) to the figure's drill-down page.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from markupsafe import Markup, escape

from app.i18n import number as format_number

FONT = "font-family:sans-serif;font-size:11px"
PALETTE = ["#1f77b4", "#2ca02c", "#ff7f0e", "#d62728", "#9467bd", "#8c564b", "#7f7f7f"]
LABEL_CHARS = 28


def _e(value) -> str:
    return str(escape("" if value is None else str(value)))


def _short(label: str, limit: int = LABEL_CHARS) -> str:
    label = str(label)
    return label if len(label) <= limit else label[: limit - 1] + "…"


def _num(value) -> float:
    return float(value) if value is not None else 0.0


def _fmt(value, unit: str = "") -> str:
    if value is None:
        return "–"
    number = Decimal(str(value)).quantize(Decimal("0.1"))
    text = f"{number:f}".removesuffix(".0")
    return f"{text}{unit}"


def _open(width: int, height: int, title: str, desc: str = "") -> list[str]:
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" '
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
    row, left, right, top = 22, 190, 60, 8
    width = 640
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
            f'<text x="{left - 6}" y="{y + 15}" text-anchor="end" style="{FONT}">'
            f"{_e(_short(bar.label))}</text>"
            f'<rect x="{left}" y="{y + 3}" width="{length:.1f}" height="{row - 6}" '
            f'fill="{PALETTE[0]}"/>'
            f'<text x="{left + length + 4:.1f}" y="{y + 15}" style="{FONT}">'
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
    row, left, right, top, legend = 22, 190, 20, 8, 22
    width = 640
    height = top * 2 + legend + row * max(len(rows), 1)
    inner = width - left - right
    parts = _open(width, height, title)
    x = left
    for segment in segments:
        parts.append(
            f'<rect x="{x}" y="{top}" width="10" height="10" fill="{_e(segment.color)}"/>'
            f'<text x="{x + 14}" y="{top + 9}" style="{FONT}">{_e(segment.label)}</text>'
        )
        x += 24 + 7 * len(segment.label)
    for index, item in enumerate(rows):
        y = top + legend + index * row
        total = sum(int(item.values.get(s.key, 0) or 0) for s in segments)
        parts.append(
            _link(
                item.href,
                f'<text x="{left - 6}" y="{y + 15}" text-anchor="end" style="{FONT}">'
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
            tip = f"{item.label} — {segment.label}: {count} ({format_number(share * 100, 1)} %)"
            mark = (
                f'<rect x="{offset:.1f}" y="{y + 3}" width="{size:.1f}" height="{row - 6}" '
                f'fill="{_e(segment.color)}"><title>{_e(tip)}</title></rect>'
            )
            href = (item.segment_hrefs or {}).get(segment.key)
            parts.append(_link(href, mark))
            offset += size
        if not total:
            parts.append(f'<text x="{left + 4}" y="{y + 15}" style="{FONT};fill:#777">0</text>')
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
    width, height, left, right, top, bottom = 640, 240, 44, 16, 26, 44
    values = [_num(v) for s in series for v in s.values if v is not None]
    top_value = max(values + [_num(max_value), 1]) * 1.1
    inner_w, inner_h = width - left - right, height - top - bottom
    step = inner_w / max(len(x_labels) - 1, 1)
    parts = _open(width, height, title)

    def point(index: int, value) -> tuple[float, float]:
        x = left + (index * step if len(x_labels) > 1 else inner_w / 2)
        return x, top + inner_h - _num(value) / top_value * inner_h

    for fraction in (0, 0.25, 0.5, 0.75, 1):
        y = top + inner_h - fraction * inner_h
        parts.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{width - right}" y2="{y:.1f}" stroke="#ddd"/>'
            f'<text x="{left - 4}" y="{y + 4:.1f}" text-anchor="end" style="{FONT}">'
            f"{_e(_fmt(fraction * top_value))}</text>"
        )
    for index, label in enumerate(x_labels):
        x, _y = point(index, 0)
        parts.append(
            f'<text x="{x:.1f}" y="{height - bottom + 16}" text-anchor="middle" style="{FONT}">'
            f"{_e(_short(label, 18))}</text>"
        )
    x = left
    for number, line in enumerate(series):
        color = _e(line.color or PALETTE[number % len(PALETTE)])
        parts.append(
            f'<rect x="{x}" y="6" width="10" height="10" fill="{color}"/>'
            f'<text x="{x + 14}" y="15" style="{FONT}">{_e(line.label)}</text>'
        )
        x += 30 + 7 * len(line.label)
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
