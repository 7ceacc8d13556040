"""Plotly charts of the Org Lead dashboard, the pod page and the monthly report: pure functions.

Points carry the URL of the detail behind them in ``customdata``; the page's click handler
(``templates/teams/_chart_links.html``) follows it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import plotly.graph_objects as go

from teams.charts import FONT, TRAIT_COLOURS, chart_html
from teams.traits import COVERAGE_THRESHOLD, TRAIT_LABELS, TRAITS

ACCENT, OK, WARN, BAD, INK = "#3a5bd9", "#16794c", "#b54708", "#b42318", "#1d2330"


def _html(fig: go.Figure, div_id: str) -> str:
    fig.update_layout(font={**FONT, "size": 12}, plot_bgcolor="#fff", paper_bgcolor="#fff")
    return chart_html(fig, div_id)


def pod_trait_heatmap(
    rows: Sequence[tuple[str, str, Sequence[float]]],
    *,
    tau: int = COVERAGE_THRESHOLD,
    div_id: str = "chart-coverage",
) -> str:
    """Pods × traits: the best member score per trait; below τ is a gap.
    rows: (name, url, scores)."""
    z = [[round(s) for s in scores] for _, _, scores in rows]
    fig = go.Figure(
        go.Heatmap(
            z=z,
            x=[TRAIT_LABELS[t] for t in TRAITS],
            y=[name for name, _, _ in rows],
            zmin=0,
            zmax=100,
            colorscale=[[0, BAD], [tau / 100 - 0.001, "#f5c26b"], [tau / 100, "#a6dcb9"], [1, OK]],
            text=[[str(v) for v in row] for row in z],
            texttemplate="%{text}",
            customdata=[[url] * len(TRAITS) for _, url, _ in rows],
            hovertemplate="%{y} · %{x}: best score %{z}<extra></extra>",
            colorbar={"title": "best", "len": 0.8},
        )
    )
    fig.update_layout(
        margin={"l": 140, "r": 10, "t": 10, "b": 40},
        height=max(220, 70 + 26 * len(rows)),
        yaxis={"autorange": "reversed"},
    )
    return _html(fig, div_id)


def attainment_bars(
    rows: Sequence[tuple[str, str, float]],
    *,
    min_attainment: float = 0.5,
    div_id: str = "chart-attainment",
) -> str:
    """Month-to-date attainment (0–150 %) per pod, as horizontal bars.
    rows: (name, url, attainment)."""
    values = [round(a * 100) for _, _, a in rows]
    colours = [BAD if a < min_attainment * 100 else (OK if a >= 100 else WARN) for a in values]
    fig = go.Figure(
        go.Bar(
            x=values,
            y=[name for name, _, _ in rows],
            orientation="h",
            marker={"color": colours},
            customdata=[url for _, url, _ in rows],
            text=[f"{v}%" for v in values],
            textposition="auto",
            hovertemplate="%{y}: %{x}% attainment<extra></extra>",
        )
    )
    fig.add_vline(x=100, line={"color": INK, "dash": "dash", "width": 1})
    fig.add_vline(x=min_attainment * 100, line={"color": BAD, "dash": "dot", "width": 1})
    fig.update_layout(
        margin={"l": 140, "r": 10, "t": 10, "b": 40},
        height=max(220, 70 + 22 * len(rows)),
        yaxis={"autorange": "reversed"},
        xaxis={"title": {"text": "attainment %"}, "range": [0, 155]},
        showlegend=False,
    )
    return _html(fig, div_id)


def efficiency_scatter(
    points: Sequence[tuple[str, str, float, float, float]],
    *,
    currency: str = "",
    div_id: str = "chart-efficiency",
) -> str:
    """Pod FTE against baseline headcount, marker area by pool.
    points: (name, url, baseline, fte, pool).

    Below the diagonal a pod does its scope with fewer people than a traditional team would."""
    biggest = max([p[4] for p in points] + [1.0])
    fig = go.Figure(
        go.Scatter(
            x=[p[2] for p in points],
            y=[p[3] for p in points],
            mode="markers",
            text=[f"{p[0]}<br>pool {p[4]:,.2f} {currency}" for p in points],
            customdata=[
                p[1] for p in points
            ],  # flat: plotly validates nested lists slowly (2,000 pods)
            marker={
                "size": [8 + 30 * (p[4] / biggest) ** 0.5 for p in points],
                "color": ACCENT,
                "opacity": 0.6,
                "line": {"color": "#fff", "width": 1},
            },
            hovertemplate="%{text}<br>baseline %{x} · FTE %{y}<extra></extra>",
        )
    )
    top = max([p[2] for p in points] + [p[3] for p in points] + [1.0]) * 1.1
    fig.add_shape(
        type="line", x0=0, y0=0, x1=top, y1=top, line={"color": "#98a2b3", "dash": "dash"}
    )
    fig.update_layout(
        margin={"l": 50, "r": 10, "t": 10, "b": 45},
        height=320,
        showlegend=False,
        xaxis={"title": {"text": "baseline headcount"}, "range": [0, top], "gridcolor": "#eef0f4"},
        yaxis={"title": {"text": "pod FTE"}, "range": [0, top], "gridcolor": "#eef0f4"},
    )
    return _html(fig, div_id)


def pool_trend_chart(
    months: Sequence[date],
    pools: Sequence[float],
    attainments: Sequence[float | None],
    urls: Sequence[str],
    *,
    projected: tuple[date, float] | None = None,
    currency: str = "",
    div_id: str = "chart-trend",
) -> str:
    """Total pool (bars) and mean pod attainment (line, right axis) per month; the current month's
    projection as a hatched bar."""
    fig = go.Figure()
    fig.add_trace(
        go.Bar(
            x=list(months),
            y=list(pools),
            name=f"pool {currency}".strip(),
            marker={"color": ACCENT},
            customdata=list(urls),
            hovertemplate="%{x|%Y-%m}: %{y:,.2f}<extra>pool</extra>",
        )
    )
    if projected is not None:
        fig.add_trace(
            go.Bar(
                x=[projected[0]],
                y=[projected[1]],
                name="projected (month to date)",
                marker={"color": "rgba(58,91,217,0.35)", "pattern": {"shape": "/"}},
                hovertemplate="%{x|%Y-%m}: %{y:,.2f}<extra>projected</extra>",
            )
        )
    fig.add_trace(
        go.Scatter(
            x=list(months),
            y=[None if a is None else round(a * 100, 1) for a in attainments],
            name="mean attainment %",
            yaxis="y2",
            mode="lines+markers",
            line={"color": OK, "width": 2},
            customdata=list(urls),
            hovertemplate="%{x|%Y-%m}: %{y}%<extra>attainment</extra>",
        )
    )
    fig.update_layout(
        margin={"l": 60, "r": 50, "t": 10, "b": 40},
        height=300,
        barmode="overlay",
        legend={"orientation": "h", "y": -0.2},
        xaxis={"type": "date", "tickformat": "%b<br>%Y", "dtick": "M2", "tickangle": 0},
        yaxis={
            "title": {"text": currency or "pool"},
            "gridcolor": "#eef0f4",
            "rangemode": "tozero",
        },
        yaxis2={
            "title": {"text": "attainment %"},
            "overlaying": "y",
            "side": "right",
            "rangemode": "tozero",
            "showgrid": False,
        },
    )
    return _html(fig, div_id)


def trait_balance(
    best: Sequence[float],
    mean: Sequence[float],
    *,
    tau: int = COVERAGE_THRESHOLD,
    div_id: str = "chart-balance",
) -> str:
    """A pod's trait balance: best and average member score per trait, with the coverage line τ."""
    labels = [TRAIT_LABELS[t] for t in TRAITS]
    fig = go.Figure()
    fig.add_trace(
        go.Bar(
            x=labels,
            y=[round(v) for v in best],
            name="best member",
            marker={"color": [TRAIT_COLOURS[t] for t in TRAITS]},
            hovertemplate="%{x}: best %{y}<extra></extra>",
        )
    )
    fig.add_trace(
        go.Bar(
            x=labels,
            y=[round(v) for v in mean],
            name="pod average",
            marker={"color": "rgba(29,35,48,0.25)"},
            hovertemplate="%{x}: average %{y}<extra></extra>",
        )
    )
    fig.add_hline(
        y=tau,
        line={"color": BAD, "dash": "dash", "width": 1},
        annotation_text=f"covered at {tau}",
        annotation_position="top left",
    )
    fig.update_layout(
        margin={"l": 40, "r": 10, "t": 20, "b": 40},
        height=280,
        barmode="group",
        yaxis={"range": [0, 100], "gridcolor": "#eef0f4"},
        legend={"orientation": "h", "y": -0.2},
    )
    return _html(fig, div_id)


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
