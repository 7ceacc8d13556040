"""Charts as pure functions: plain data in, an HTML fragment out (the page loads plotly.js)."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

import plotly.graph_objects as go

from incentives.metrics.charts import ACCENT, MUTED, OK
from teams.charts import STATIC_CONFIG, chart_html


def payout_history_chart(
    *, months: Sequence[str], amounts: Sequence[Decimal], currency: str
) -> str:
    """A person's monthly bonus, oldest first."""
    fig = go.Figure(
        go.Bar(
            x=list(months),
            y=[float(a) for a in amounts],
            marker_color=ACCENT,
            hovertemplate="%{x}: %{y:,.2f} " + currency + "<extra></extra>",
        )
    )
    fig.update_layout(
        height=240,
        margin={"l": 50, "r": 10, "t": 10, "b": 40},
        yaxis_title=currency,
        xaxis_type="category",
        plot_bgcolor="#fff",
    )
    return chart_html(fig, config=STATIC_CONFIG)


def pool_scatter_chart(
    *, names: Sequence[str], attainment: Sequence[float], pools: Sequence[float], currency: str
) -> str:
    """Pods of a period: overall attainment against pool (who earns what, and why)."""
    fig = go.Figure(
        go.Scatter(  # SVG, not WebGL: regl compiles shaders with eval, which the CSP refuses
            x=list(attainment),
            y=list(pools),
            mode="markers",
            text=list(names),
            marker={"color": [OK if p > 0 else MUTED for p in pools], "size": 8},
            hovertemplate="%{text}<br>attainment %{x:.2f}<br>pool %{y:,.2f} "
            + currency
            + "<extra></extra>",
        )
    )
    fig.update_layout(
        height=280,
        margin={"l": 60, "r": 10, "t": 10, "b": 40},
        xaxis_title="Attainment A",
        yaxis_title=f"Pool ({currency})",
        plot_bgcolor="#fff",
    )
    return chart_html(fig, config=STATIC_CONFIG)
