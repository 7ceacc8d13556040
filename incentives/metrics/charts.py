"""Charts as pure functions: plain data in, an HTML fragment out (the page loads plotly.js)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

import plotly.graph_objects as go

from teams.charts import chart_html

OK, WARN, BAD, INK, MUTED, ACCENT = "#16794c", "#b54708", "#b42318", "#1d2330", "#98a2b3", "#3a5bd9"


@dataclass(frozen=True)
class ChartPoint:
    day: date
    value: Decimal
    flag: str = ""  # "", "flagged", "confirmed", "rejected"
    reason: str = ""


@dataclass(frozen=True)
class Bands:
    threshold: Decimal
    target: Decimal
    stretch: Decimal


def month_to_date(points: Sequence[ChartPoint]) -> list[ChartPoint]:
    """Running sums that restart each month (rejected points keep their own value and add
    nothing): what a ``sum`` metric's month stands at on each date, comparable to its target."""
    out, total, month = [], Decimal(0), None
    for p in sorted(points, key=lambda p: p.day):
        if (p.day.year, p.day.month) != month:
            total, month = Decimal(0), (p.day.year, p.day.month)
        if p.flag == "rejected":
            out.append(p)
            continue
        total += p.value
        out.append(ChartPoint(p.day, total, p.flag, p.reason))
    return out


def metric_chart(
    *,
    div_id: str,
    name: str,
    unit: str,
    points: Sequence[ChartPoint],
    month_first: date,
    month_last: date,
    bands: Bands | None,
    cumulative: bool = False,
) -> str:
    """Observations over time; the month's threshold/target/stretch drawn as bands over the
    month; flagged points as red crosses, rejected ones as grey rings (they do not count).
    ``cumulative`` plots month-to-date sums (for metrics aggregated by sum)."""
    if cumulative:
        points = month_to_date(points)
        unit = f"{unit}, month to date".lstrip(", ")
    counting = [p for p in points if p.flag != "rejected"]
    flagged = [p for p in points if p.flag == "flagged"]
    rejected = [p for p in points if p.flag == "rejected"]
    fig = go.Figure()
    fig.add_trace(
        go.Scatter(
            x=[p.day for p in counting],
            y=[float(p.value) for p in counting],
            mode="lines+markers",
            name=name,
            line={"color": ACCENT, "width": 2},
            marker={"size": 6},
            hovertemplate="%{x|%Y-%m-%d}: %{y}" + (f" {unit}" if unit else "") + "<extra></extra>",
        )
    )
    if flagged:
        fig.add_trace(
            go.Scatter(
                x=[p.day for p in flagged],
                y=[float(p.value) for p in flagged],
                mode="markers",
                name="flagged",
                marker={"symbol": "x", "size": 13, "color": BAD, "line": {"width": 1}},
                text=[p.reason for p in flagged],
                hovertemplate="%{x|%Y-%m-%d}: %{y}<br>%{text}<extra>flagged</extra>",
            )
        )
    if rejected:
        fig.add_trace(
            go.Scatter(
                x=[p.day for p in rejected],
                y=[float(p.value) for p in rejected],
                mode="markers",
                name="rejected",
                marker={"symbol": "circle-open", "size": 10, "color": MUTED},
                hovertemplate="%{x|%Y-%m-%d}: %{y} (rejected)<extra></extra>",
            )
        )
    x0, x1 = month_first, month_last + timedelta(days=1)
    if bands is not None:
        t0, t1, t2 = float(bands.threshold), float(bands.target), float(bands.stretch)
        for y0, y1, colour, opacity in ((t0, t1, WARN, 0.10), (t1, t2, OK, 0.12)):
            fig.add_shape(
                type="rect",
                x0=x0,
                x1=x1,
                y0=y0,
                y1=y1,
                fillcolor=colour,
                opacity=opacity,
                line_width=0,
                layer="below",
            )
        for value, label, colour, dash in (
            (t0, "threshold", BAD, "dot"),
            (t1, "target", OK, "dash"),
            (t2, "stretch", ACCENT, "dot"),
        ):
            fig.add_shape(
                type="line",
                x0=x0,
                x1=x1,
                y0=value,
                y1=value,
                line={"color": colour, "width": 1.5, "dash": dash},
            )
            fig.add_annotation(
                x=x1,
                y=value,
                text=label,
                showarrow=False,
                xanchor="left",
                font={"size": 10, "color": colour},
            )
    else:
        fig.add_vrect(x0=x0, x1=x1, fillcolor=MUTED, opacity=0.08, line_width=0, layer="below")
    fig.update_layout(
        height=260,
        margin={"l": 50, "r": 70, "t": 10, "b": 30},
        showlegend=False,
        plot_bgcolor="#fff",
        paper_bgcolor="#fff",
        font={"color": INK, "size": 12},
        xaxis={"gridcolor": "#eef0f4", "type": "date"},
        yaxis={"gridcolor": "#eef0f4", "title": {"text": unit}, "zeroline": False},
    )
    return chart_html(fig, div_id)
