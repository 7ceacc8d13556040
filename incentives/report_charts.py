"""Charts of the monthly incentive report (issue 8): pure functions, plain data in, a div out."""

from __future__ import annotations

from collections.abc import Sequence

import plotly.graph_objects as go

ACCENT, OK, WARN, BAD, INK = "#3a5bd9", "#16794c", "#b54708", "#b42318", "#1d2330"
_CONFIG = {"displaylogo": False, "responsive": True}
_FONT = {"family": "system-ui, -apple-system, Segoe UI, Roboto, sans-serif", "size": 12}


def _html(fig: go.Figure, div_id: str) -> str:
    fig.update_layout(font=_FONT, plot_bgcolor="#fff", paper_bgcolor="#fff")
    return fig.to_html(full_html=False, include_plotlyjs=False, config=_CONFIG, div_id=div_id)


def payout_histogram(
    amounts: Sequence[float], *, currency: str = "", div_id: str = "chart-distribution"
) -> str:
    """How many people got how much this month (each person's total)."""
    fig = go.Figure(
        go.Histogram(
            x=list(amounts),
            nbinsx=30,
            marker={"color": ACCENT, "line": {"color": "#fff", "width": 1}},
            hovertemplate="%{x}: %{y} people<extra></extra>",
        )
    )
    fig.update_layout(
        margin={"l": 50, "r": 10, "t": 10, "b": 45},
        height=280,
        bargap=0.02,
        xaxis={"title": {"text": f"payout per person {currency}".strip()}},
        yaxis={"title": {"text": "people"}, "gridcolor": "#eef0f4"},
    )
    return _html(fig, div_id)


def pod_attainment_efficiency(
    points: Sequence[tuple[str, str, float, float | None, float]],
    *,
    min_attainment: float = 0.5,
    currency: str = "",
    div_id: str = "chart-pods",
) -> str:
    """Per pod: attainment (x) against efficiency ratio (y), marker area by pool.
    points: (name, url, attainment, efficiency ratio or None, pool)."""
    shown = [p for p in points if p[3] is not None]
    biggest = max([p[4] for p in shown] + [1.0])
    fig = go.Figure(
        go.Scatter(
            x=[round(p[2] * 100, 1) for p in shown],
            y=[round(p[3], 2) for p in shown],
            mode="markers",
            text=[f"{p[0]}<br>pool {p[4]:,.2f} {currency}" for p in shown],
            customdata=[p[1] for p in shown],  # flat: plotly validates nested lists slowly
            marker={
                "size": [7 + 28 * (p[4] / biggest) ** 0.5 for p in shown],
                "color": [
                    BAD if p[2] < min_attainment else (OK if p[2] >= 1 else WARN) for p in shown
                ],
                "opacity": 0.65,
                "line": {"color": "#fff", "width": 1},
            },
            hovertemplate="%{text}<br>attainment %{x}% · efficiency %{y}<extra></extra>",
        )
    )
    fig.add_vline(x=min_attainment * 100, line={"color": BAD, "dash": "dot", "width": 1})
    fig.add_hline(y=1, line={"color": "#98a2b3", "dash": "dash", "width": 1})
    fig.update_layout(
        margin={"l": 55, "r": 10, "t": 10, "b": 45},
        height=300,
        showlegend=False,
        xaxis={"title": {"text": "attainment %"}, "gridcolor": "#eef0f4"},
        yaxis={"title": {"text": "efficiency ratio (A × baseline ÷ FTE)"}, "gridcolor": "#eef0f4"},
    )
    return _html(fig, div_id)
