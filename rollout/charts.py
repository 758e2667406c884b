"""Small SVG charts, drawn on the server: no chart library to vendor, readable without script,
in both colour schemes (they draw with currentColor and the page's CSS variables). Pure."""

from html import escape

from django.utils.safestring import SafeString, mark_safe

WIDTH, HEIGHT, PAD = 640, 220, 40
COLOURS = ["var(--accent)", "var(--warn)", "var(--ok)", "var(--bad)"]


def _frame(title: str, body: str, legend: list[tuple[str, str]]) -> SafeString:
    keys = "".join(
        f'<g transform="translate({PAD + 140 * i},12)"><rect width="12" height="12" '
        f'fill="{colour}"/><text x="18" y="11">{escape(name)}</text></g>'
        for i, (name, colour) in enumerate(legend)
    )
    return mark_safe(  # noqa: S308 - every text part is escaped above and below
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-label="{escape(title)}"><title>{escape(title)}</title>'
        f'<line x1="{PAD}" y1="{HEIGHT - PAD}" x2="{WIDTH - 10}" y2="{HEIGHT - PAD}" '
        f'stroke="currentColor" stroke-opacity=".4"/>'
        f'<line x1="{PAD}" y1="30" x2="{PAD}" y2="{HEIGHT - PAD}" stroke="currentColor" '
        f'stroke-opacity=".4"/>{keys}{body}</svg>'
    )


def line_chart(series: dict[str, list[tuple]], *, title: str) -> SafeString:
    """Success rate (0-100 %) per day, one line a mode."""
    days = sorted({day for points in series.values() for day, *_ in points})
    if not days:
        return _frame(
            title,
            f'<text x="{WIDTH // 2}" y="{HEIGHT // 2}" text-anchor="middle">'
            "No listings in this period</text>",
            [],
        )
    step = (WIDTH - PAD - 20) / max(len(days) - 1, 1)
    x_of = {day: PAD + i * step for i, day in enumerate(days)}

    def y(rate: float) -> float:
        return HEIGHT - PAD - (HEIGHT - PAD - 30) * rate / 100

    body, legend = [], []
    for i, (mode, points) in enumerate(sorted(series.items())):
        colour = COLOURS[i % len(COLOURS)]
        legend.append((mode, colour))
        coordinates = " ".join(f"{x_of[day]:.1f},{y(rate):.1f}" for day, _, rate in points)
        body.append(
            f'<polyline class="series" data-mode="{escape(mode)}" fill="none" '
            f'stroke="{colour}" stroke-width="2" points="{coordinates}"/>'
        )
        body += [
            f'<circle cx="{x_of[day]:.1f}" cy="{y(rate):.1f}" r="3" fill="{colour}">'
            f"<title>{escape(mode)} {day}: {rate} % of {n}</title></circle>"
            for day, n, rate in points
        ]
    body.append(
        f'<text x="4" y="{y(100) + 4:.0f}">100%</text><text x="12" y="{y(0) + 4:.0f}">0%</text>'
    )
    body += [
        f'<text x="{x_of[day]:.0f}" y="{HEIGHT - PAD + 16}" text-anchor="middle">{day:%m-%d}</text>'
        for day in days[:: max(1, len(days) // 8)]
    ]
    return _frame(title, "".join(body), legend)


def bar_chart(rows: list[tuple], *, title: str) -> SafeString:
    """Two bars (p50, p95, in ms) a label."""
    values = [v for _, *pair in rows for v in pair if v is not None]
    if not values:
        return _frame(
            title,
            f'<text x="{WIDTH // 2}" y="{HEIGHT // 2}" text-anchor="middle">'
            "No listings in this period</text>",
            [],
        )
    top = max(values) * 1.1
    slot = (WIDTH - PAD - 20) / len(rows)
    body = []
    for i, (label, p50, p95) in enumerate(rows):
        for j, (value, colour) in enumerate(((p50, COLOURS[0]), (p95, COLOURS[1]))):
            if value is None:
                continue
            height = (HEIGHT - PAD - 30) * value / top
            x = PAD + i * slot + 10 + j * (slot / 2 - 8)
            body.append(
                f'<rect class="bar" x="{x:.1f}" y="{HEIGHT - PAD - height:.1f}" '
                f'width="{slot / 2 - 14:.1f}" height="{height:.1f}" fill="{colour}">'
                f"<title>{escape(label)} {'p50' if j == 0 else 'p95'}: "
                f"{value:.0f} ms</title></rect>"
            )
        body.append(
            f'<text x="{PAD + i * slot + slot / 2:.0f}" y="{HEIGHT - PAD + 16}" '
            f'text-anchor="middle">{escape(label)}</text>'
        )
    return _frame(title, "".join(body), [("p50", COLOURS[0]), ("p95", COLOURS[1])])
