"""The one way a chart becomes HTML, shared by every page's charts (pure: no database).

plotly.js is loaded once by the page from static/ (never a CDN), so each chart is a bare div:
`fig.to_html(full_html=False, include_plotlyjs=False)`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import plotly.graph_objects as go

TRAIT_COLOURS = {
    "builder": "#e07a2f",
    "architect": "#3a5bd9",
    "taste_maker": "#a445b2",
    "signal_reader": "#16907a",
    "decision_maker": "#c2344d",
}
FONT_FAMILY = "system-ui, -apple-system, Segoe UI, Roboto, sans-serif"
FONT = {"family": FONT_FAMILY, "size": 13}
# Charts resize with the page; plotly's logo link would leave the app, which must work offline.
CONFIG: Mapping[str, Any] = {"displaylogo": False, "responsive": True}
STATIC_CONFIG: Mapping[str, Any] = {"displayModeBar": False}


def chart_html(
    fig: go.Figure, div_id: str | None = None, *, config: Mapping[str, Any] = CONFIG
) -> str:
    """The chart as a div for a page that already loaded plotly.js."""
    return fig.to_html(full_html=False, include_plotlyjs=False, config=dict(config), div_id=div_id)
