from django.urls import path

from . import api, metric_api

urlpatterns = [
    path("metrics/", metric_api.MetricList.as_view(), name="api-metrics"),
    path("observations/", metric_api.ObservationListCreate.as_view(), name="api-observations"),
    path(
        "observations/bulk/",
        metric_api.ObservationBulkUpsert.as_view(),
        name="api-observations-bulk",
    ),
    # Bonuses (issue 7)
    path("periods/", api.PeriodList.as_view(), name="api-periods"),
    path("periods/compute/", api.PeriodCompute.as_view(), name="api-period-compute"),
    path("periods/<int:pk>/", api.PeriodDetail.as_view(), name="api-period"),
    path("periods/<int:pk>/approve/", api.PeriodApprove.as_view(), name="api-period-approve"),
    path("periods/<int:pk>/payouts/", api.PeriodPayouts.as_view(), name="api-period-payouts"),
    path("me/statements/", api.MyStatements.as_view(), name="api-my-statements"),
]
