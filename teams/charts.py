"""The one way a chart becomes HTML, shared by every page's charts (pure: no database).

plotly.js is loaded once by the page from static/ (never a CDN). A chart is a div plus its figure
as inert JSON (`<script type="application/json">`); static/js/app.js draws every such div, on load
and in content htmx swaps in. No inline script, so the Content-Security-Policy needs none.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

import plotly.graph_objects as go
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from plotly.io.json import to_json_plotly

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
    """The chart as a div for a page that already loaded plotly.js (drawn by static/js/app.js)."""
    div_id = div_id or f"chart-{uuid.uuid4().hex}"
    # The figure's own lists and dicts, read by the encoder in place: fig.to_dict() deep-copies
    # them first, which costs about as much as building the chart.
    data, layout = fig._data, fig._layout
    template_layout = layout.get("template", {}).get("layout", {})
    # The encoder escapes <, > and /, so the figure cannot close its script element.
    payload = to_json_plotly(
        {"data": data, "layout": layout, "config": {"responsive": True, **config}}
    )
    return format_html(
        '<div id="{}" class="plotly-graph-div" data-figure="{}-figure" data-width="{}" '
        'data-height="{}"></div><script type="application/json" id="{}-figure">{}</script>',
        div_id,
        div_id,
        _css_length(layout.get("width", template_layout.get("width"))),
        _css_length(layout.get("height", template_layout.get("height"))),
        div_id,
        mark_safe(payload),
    )


def _css_length(value: Any) -> str:
    """A layout size in pixels as CSS, or the whole box when the figure leaves it open."""
    try:
        return f"{float(value):g}px"
    except (TypeError, ValueError):
        return "100%"
