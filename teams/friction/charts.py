"""Plotly charts of the friction radar: pure functions, plain data in, a chart's HTML out.

Points carry the URL of the node's waits in ``customdata``; the page's click handler
(static/js/app.js, inside ``[data-links]``) follows it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import plotly.graph_objects as go

from teams.charts import FONT, chart_html

BOTTLENECK, NODE, OTHER, INK = "#b42318", "#3a5bd9", "#98a2b3", "#1d2330"
PALETTE = ["#b42318", "#3a5bd9", "#e07a2f", "#16907a", "#a445b2", "#c2344d", "#5b6b82"]


def _html(fig: go.Figure, div_id: str) -> str:
    fig.update_layout(font={**FONT, "size": 12}, plot_bgcolor="#fff", paper_bgcolor="#fff")
    return chart_html(fig, div_id)


def node_bars(
    rows: Sequence[tuple[str, str, float, int, float | None]], *, div_id: str = "chart-nodes"
) -> str:
    """Nodes ranked by pod-days lost, the bottleneck first and in red.
    rows: (node, url, pod_days_lost, waits, median_hours)."""
    fig = go.Figure(
        go.Bar(
            x=[round(days, 1) for _, _, days, _, _ in rows],
            y=[node for node, *_ in rows],
            orientation="h",
            marker={"color": [BOTTLENECK if i == 0 else NODE for i in range(len(rows))]},
            customdata=[
                [url, waits, "–" if med is None else f"{med:.0f} h"]
                for _, url, _, waits, med in rows
            ],
            text=[f"{days:.1f}" for _, _, days, _, _ in rows],
            textposition="auto",
            hovertemplate=(
                "%{y}: %{x} pod-days lost over %{customdata[1]} waits, median %{customdata[2]}"
                "<extra>click for its waits</extra>"
            ),
        )
    )
    fig.update_layout(
        margin={"l": 150, "r": 20, "t": 10, "b": 40},
        height=max(200, 60 + 34 * len(rows)),
        yaxis={"autorange": "reversed"},
        xaxis={"title": "pod-days lost", "rangemode": "tozero"},
    )
    return _html(fig, div_id)


def node_pod_heatmap(
    nodes: Sequence[tuple[str, str]],
    pods: Sequence[str],
    days: Sequence[Sequence[float]],
    *,
    div_id: str = "chart-heatmap",
) -> str:
    """Nodes × pods: pod-days lost per pair. nodes: (name, url); days[i][j] for node i, pod j."""
    fig = go.Figure(
        go.Heatmap(
            z=[[round(v, 1) if v else None for v in row] for row in days],
            x=list(pods),
            y=[name for name, _ in nodes],
            colorscale=[[0, "#fde9e7"], [0.5, "#f08c7f"], [1, BOTTLENECK]],
            customdata=[[url] * len(pods) for _, url in nodes],
            hovertemplate="%{y} · %{x}: %{z} pod-days lost<extra></extra>",
            hoverongaps=False,
            colorbar={"title": "pod-days", "len": 0.8},
        )
    )
    fig.update_layout(
        margin={"l": 150, "r": 10, "t": 10, "b": 110},
        height=max(240, 140 + 30 * len(nodes)),
        yaxis={"autorange": "reversed"},
        xaxis={"tickangle": -35},
    )
    return _html(fig, div_id)


def trend_bars(
    months: Sequence[date],
    series: Sequence[tuple[str, str, Sequence[float]]],
    *,
    div_id: str = "chart-trend",
) -> str:
    """Pod-days lost per month of request, stacked by node (the top few, then the rest).
    series: (node, url, days per month); url "" for the rest."""
    labels = [m.strftime("%b %Y") for m in months]
    fig = go.Figure()
    for i, (name, url, values) in enumerate(series):
        fig.add_bar(
            x=labels,
            y=[round(v, 1) for v in values],
            name=name,
            marker={"color": OTHER if not url else PALETTE[i % len(PALETTE)]},
            customdata=[url] * len(labels),
            hovertemplate=f"{name} · %{{x}}: %{{y}} pod-days lost<extra></extra>",
        )
    fig.update_layout(
        barmode="stack",
        margin={"l": 50, "r": 10, "t": 10, "b": 40},
        height=300,
        yaxis={"title": "pod-days lost", "rangemode": "tozero"},
        legend={"orientation": "h", "y": -0.15},
    )
    return _html(fig, div_id)
