"""Plotly charts for trait profiles: pure functions, plain data in, an HTML div out."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

import plotly.graph_objects as go

from teams.charts import FONT, TRAIT_COLOURS, chart_html
from teams.traits import TRAIT_LABELS, TRAITS

SOURCE_STYLE = {
    "profile": ("Profile", "#1d2330"),
    "self": ("Self", "#e07a2f"),
    "peer": ("Peers (average)", "#16907a"),
    "lead": ("Lead", "#3a5bd9"),
}


def profile_radar(series: Mapping[str, Sequence[float]], *, div_id: str = "profile-radar") -> str:
    """One closed polygon per series ('profile', 'self', 'peer', 'lead'), scores 0–100."""
    labels = [TRAIT_LABELS[t] for t in TRAITS]
    fig = go.Figure()
    for key, scores in series.items():
        name, colour = SOURCE_STYLE.get(key, (key, "#667085"))
        is_profile = key == "profile"
        fig.add_trace(
            go.Scatterpolar(
                r=[round(float(s), 1) for s in scores] + [round(float(scores[0]), 1)],
                theta=labels + labels[:1],
                name=name,
                line={
                    "color": colour,
                    "width": 3 if is_profile else 1.5,
                    "dash": "solid" if is_profile else "dot",
                },
                fill="toself" if is_profile else "none",
                fillcolor="rgba(58,91,217,0.12)" if is_profile else None,
                hovertemplate="%{theta}: %{r}<extra>" + name + "</extra>",
            )
        )
    fig.update_layout(
        # Builder at the top, clockwise; the radial ticks sit between two traits' labels.
        polar={
            "radialaxis": {
                "range": [0, 100],
                "tickvals": [25, 50, 75, 100],
                "angle": -18,
                "tickfont": {"size": 10},
            },
            "angularaxis": {"rotation": 90, "direction": "clockwise"},
        },
        showlegend=True,
        legend={"orientation": "h", "y": -0.12},
        margin={"l": 40, "r": 40, "t": 20, "b": 30},
        height=380,
        font=FONT,
    )
    return chart_html(fig, div_id)


def profile_history_chart(
    points: Sequence[tuple[datetime, Sequence[float]]], *, div_id: str = "profile-history"
) -> str:
    """One line per trait: the combined profile after each assessment."""
    fig = go.Figure()
    xs = [at for at, _ in points]
    for i, trait in enumerate(TRAITS):
        fig.add_trace(
            go.Scatter(
                x=xs,
                y=[round(float(s[i]), 1) for _, s in points],
                name=TRAIT_LABELS[trait],
                mode="lines+markers",
                line={"color": TRAIT_COLOURS[trait], "width": 2},
            )
        )
    fig.update_layout(
        yaxis={"range": [0, 100], "title": "score"},
        legend={"orientation": "h", "y": -0.2},
        margin={"l": 50, "r": 20, "t": 20, "b": 40},
        height=320,
        font=FONT,
        hovermode="x unified",
    )
    return chart_html(fig, div_id)


def primary_trait_bars(counts: Mapping[str, int], *, div_id: str = "trait-mix-bars") -> str:
    """How many people have each primary trait."""
    fig = go.Figure(
        go.Bar(
            x=[TRAIT_LABELS[t] for t in TRAITS],
            y=[counts.get(t, 0) for t in TRAITS],
            marker_color=[TRAIT_COLOURS[t] for t in TRAITS],
            text=[counts.get(t, 0) for t in TRAITS],
            textposition="outside",
            hovertemplate="%{x}: %{y} people<extra></extra>",
        )
    )
    fig.update_layout(
        yaxis={"title": "people", "rangemode": "tozero"},
        margin={"l": 50, "r": 20, "t": 20, "b": 40},
        height=320,
        font=FONT,
        showlegend=False,
    )
    return chart_html(fig, div_id)


def coverage_heatmap(
    rows: Sequence[str],
    shares: Sequence[Sequence[float | None]],
    *,
    div_id: str = "trait-mix-heatmap",
) -> str:
    """Rows (org units) × traits: the share 0–100 % of pods that cover each trait; low is scarce."""
    z = [[None if v is None else round(v * 100) for v in row] for row in shares]
    fig = go.Figure(
        go.Heatmap(
            z=z,
            x=[TRAIT_LABELS[t] for t in TRAITS],
            y=list(rows),
            zmin=0,
            zmax=100,
            colorscale=[[0, "#b42318"], [0.5, "#f5c26b"], [1, "#16794c"]],
            text=[["–" if v is None else f"{v}%" for v in row] for row in z],
            texttemplate="%{text}",
            hovertemplate="%{y} · %{x}: %{z}% of pods covered<extra></extra>",
            colorbar={"title": "% pods"},
        )
    )
    fig.update_layout(
        margin={"l": 120, "r": 20, "t": 20, "b": 40},
        height=max(220, 60 + 40 * len(rows)),
        font=FONT,
        yaxis={"autorange": "reversed"},
    )
    return chart_html(fig, div_id)
