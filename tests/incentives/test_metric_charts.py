"""Chart builders are pure: plain data in, an HTML fragment out."""

from datetime import date
from decimal import Decimal

from incentives.metrics.charts import Bands, ChartPoint, metric_chart, month_to_date


def test_it_plots_sum_metrics_month_to_date():
    points = [
        ChartPoint(date(2026, 3, 30), Decimal(5)),
        ChartPoint(date(2026, 4, 2), Decimal(1)),
        ChartPoint(date(2026, 4, 9), Decimal(9), "rejected"),
        ChartPoint(date(2026, 4, 16), Decimal(2)),
    ]
    assert [p.value for p in month_to_date(points)] == [5, 1, 9, 3]


def test_it_draws_bands_and_marks_flagged_points():
    html = metric_chart(
        div_id="c1",
        name="Activation",
        unit="%",
        month_first=date(2026, 4, 1),
        month_last=date(2026, 4, 30),
        points=[
            ChartPoint(date(2026, 4, 2), Decimal(40)),
            ChartPoint(date(2026, 4, 29), Decimal(90), "flagged", "far above"),
        ],
        bands=Bands(Decimal(30), Decimal(40), Decimal(50)),
    )
    assert 'id="c1"' in html and "<script" in html and "plotly.min.js" not in html
    assert '"symbol":"x"' in html and "far above" in html
    assert '"text":"threshold"' in html and '"text":"stretch"' in html
