"""The panel's charts, drawn on the server as inline SVG: no script, no CDN, readable without JavaScript.

Each chart is a `<figure class="chart">` holding one `<svg>`; every series is a
`<g class="series" data-series="left" data-points="5">` so a reader (or a test)
sees which sides have data. Values come from the domain's selectors; nothing
here decides anything but where to draw.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from django.utils import timezone
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe

WIDTH, HEIGHT = 640, 220
LEFT_PAD, RIGHT_PAD, TOP_PAD, BOTTOM_PAD = 44, 12, 14, 30

Point = tuple[datetime | date, float]


def _day(moment: datetime | date) -> date:
    return timezone.localtime(moment).date() if isinstance(moment, datetime) else moment


def _ordinal(moment: datetime | date) -> float:
    if isinstance(moment, datetime):
        return moment.timestamp() / 86400
    return float(moment.toordinal())


def _nice_max(value: float) -> float:
    for step in (1, 2, 5, 10, 20, 25, 50, 100, 200, 500):
        if value <= step * 4:
            return step * 4
    return value


def _figure(title: str, svg: str, legend: Sequence[tuple[str, str]], *, kind: str) -> SafeString:
    items = "".join(format_html('<li><span class="swatch {}"></span>{}</li>', css, label) for label, css in legend)
    return format_html(
        '<figure class="chart" data-chart="{}"><figcaption>{}</figcaption>{}<ul class="legend">{}</ul></figure>',
        kind, title, mark_safe(svg), mark_safe(items),  # noqa: S308 (built from escaped parts)
    )  # fmt: skip


def _frame(y_max: float, unit: str, first: str, last: str) -> list[str]:
    plot_h = HEIGHT - TOP_PAD - BOTTOM_PAD
    parts = []
    for tick in range(5):
        value = y_max * tick / 4
        y = TOP_PAD + plot_h - plot_h * tick / 4
        parts.append(f'<line class="grid" x1="{LEFT_PAD}" x2="{WIDTH - RIGHT_PAD}" y1="{y:.1f}" y2="{y:.1f}"/>')
        label = f"{value:g}"
        parts.append(f'<text class="tick" x="{LEFT_PAD - 6}" y="{y + 4:.1f}" text-anchor="end">{label}</text>')
    parts.append(f'<text class="unit" x="4" y="{TOP_PAD - 2}">{escape(unit)}</text>')
    parts.append(f'<text class="tick" x="{LEFT_PAD}" y="{HEIGHT - 8}">{escape(first)}</text>')
    parts.append(f'<text class="tick" x="{WIDTH - RIGHT_PAD}" y="{HEIGHT - 8}" text-anchor="end">{escape(last)}</text>')
    return parts


def _svg(label: str, parts: list[str]) -> str:
    return (
        f'<svg viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="{escape(label)}" '
        f'preserveAspectRatio="xMidYMid meet">{"".join(parts)}</svg>'
    )


def line_chart(*, title: str, unit: str, series: Sequence[tuple[str, str, Sequence[Point]]], y_max=None) -> SafeString:
    """Lines over time, one per `(label, css class, points)`; points are (moment, value), oldest first."""
    points = [point for _, _, values in series for point in values]
    if not points:
        return format_html('<p class="chart-empty">{}: nothing logged yet.</p>', title)
    x_low = min(_ordinal(moment) for moment, _ in points)
    x_high = max(_ordinal(moment) for moment, _ in points)
    top = y_max or _nice_max(max(value for _, value in points) or 1)
    plot_w, plot_h = WIDTH - LEFT_PAD - RIGHT_PAD, HEIGHT - TOP_PAD - BOTTOM_PAD

    def xy(moment, value) -> tuple[float, float]:
        x = LEFT_PAD + (plot_w * (_ordinal(moment) - x_low) / (x_high - x_low) if x_high > x_low else plot_w / 2)
        return x, TOP_PAD + plot_h - plot_h * min(float(value), top) / top

    first = min(points, key=lambda p: _ordinal(p[0]))[0]
    last = max(points, key=lambda p: _ordinal(p[0]))[0]
    parts = _frame(top, unit, f"{_day(first):%d %b %Y}", f"{_day(last):%d %b %Y}")
    for label, css, values in series:
        coords = [xy(moment, value) for moment, value in values]
        dots = "".join(
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3"><title>{escape(label)} {_day(m):%d %b}: {v:g}</title></circle>'
            for (x, y), (m, v) in zip(coords, values, strict=True)
        )
        line = " ".join(f"{x:.1f},{y:.1f}" for x, y in coords)
        parts.append(
            f'<g class="series {escape(css)}" data-series="{escape(css)}" data-points="{len(values)}">'
            f'<polyline points="{line}"/>{dots}</g>'
        )
    return _figure(title, _svg(title, parts), [(label, css) for label, css, _ in series], kind="line")


def bar_chart(*, title: str, unit: str, bars: Sequence[tuple[date, int]], target: int | None) -> SafeString:
    """One bar per (week, count), with the program's target as a dashed line when there is one."""
    top = _nice_max(max([count for _, count in bars] + [target or 0, 1]))
    plot_w, plot_h = WIDTH - LEFT_PAD - RIGHT_PAD, HEIGHT - TOP_PAD - BOTTOM_PAD
    slot = plot_w / max(len(bars), 1)
    parts = _frame(top, unit, f"{bars[0][0]:%d %b}" if bars else "", f"{bars[-1][0]:%d %b}" if bars else "")
    rects = []
    for index, (week, count) in enumerate(bars):
        height = plot_h * count / top
        x = LEFT_PAD + slot * index + slot * 0.15
        rects.append(
            f'<rect x="{x:.1f}" y="{TOP_PAD + plot_h - height:.1f}" width="{slot * 0.7:.1f}" height="{height:.1f}">'
            f"<title>week of {week:%d %b}: {count}</title></rect>"
        )
    parts.append(f'<g class="series sessions" data-series="sessions" data-points="{len(bars)}">{"".join(rects)}</g>')
    legend = [("sessions", "sessions")]
    if target:
        y = TOP_PAD + plot_h - plot_h * target / top
        parts.append(
            f'<line class="target" data-series="target" x1="{LEFT_PAD}" x2="{WIDTH - RIGHT_PAD}" '
            f'y1="{y:.1f}" y2="{y:.1f}"/>'
        )
        legend.append((f"program: {target} a week", "target"))
    return _figure(title, _svg(title, parts), legend, kind="bar")


def balance_chart(*, title: str, left: float | None, right: float | None, unit: str) -> SafeString:
    """Left and right side by side as two horizontal bars, with the difference."""
    if left is None or right is None:
        return format_html('<p class="chart-empty">{}: both sides are needed.</p>', title)
    top = _nice_max(max(left, right, 1))
    width, row = WIDTH - LEFT_PAD - RIGHT_PAD - 60, 34
    parts = []
    for index, (label, css, value) in enumerate((("L", "left", left), ("R", "right", right))):
        y = TOP_PAD + index * (row + 10)
        parts.append(
            f'<g class="series {css}" data-series="{css}" data-points="1">'
            f'<text class="tick" x="{LEFT_PAD - 8}" y="{y + row / 2 + 5:.1f}" text-anchor="end">{label}</text>'
            f'<rect x="{LEFT_PAD}" y="{y}" width="{width * value / top:.1f}" height="{row}"/>'
            f'<text class="value" x="{LEFT_PAD + width * value / top + 6:.1f}" y="{y + row / 2 + 5:.1f}">'
            f"{value:g} {escape(unit)}</text></g>"
        )
    svg = (
        f'<svg viewBox="0 0 {WIDTH} {TOP_PAD * 2 + row * 2 + 10}" role="img" aria-label="{escape(title)}">'
        f"{''.join(parts)}</svg>"
    )
    return _figure(title, svg, [("left", "left"), ("right", "right")], kind="balance")
