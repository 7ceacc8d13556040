from django.urls import path

from . import metric_api

urlpatterns = [
    path("metrics/", metric_api.MetricList.as_view(), name="api-metrics"),
    path("observations/", metric_api.ObservationListCreate.as_view(), name="api-observations"),
    path("observations/bulk/", metric_api.ObservationBulkUpsert.as_view(), name="api-observations-bulk"),
]
