from django.urls import path

from . import metric_views, report_views

urlpatterns = [
    path("metrics/", metric_views.metrics_overview, name="metrics-overview"),
    path("metrics/definitions/", metric_views.metric_definitions, name="metric-definitions"),
    path("metrics/import/", metric_views.metrics_import, name="metrics-import"),
    path("pods/<int:pk>/metrics/", metric_views.pod_metrics, name="pod-metrics"),
    path("pods/<int:pk>/metrics/observations/", metric_views.pod_observation_add, name="pod-observation-add"),
    path("pods/<int:pk>/metrics/observations/<int:obs_id>/review/", metric_views.pod_observation_review,
         name="pod-observation-review"),
    path("pods/<int:pk>/metrics/targets/", metric_views.pod_target_set, name="pod-target-set"),
    path("pods/<int:pk>/metrics/targets/copy/", metric_views.pod_targets_copy, name="pod-targets-copy"),
    path("reports/", report_views.report_list, name="report-list"),
    path("reports/<int:unit_id>/<str:month>/", report_views.report_page, name="incentive-report"),
    path("reports/<int:unit_id>/<str:month>/payroll.csv", report_views.report_csv, name="incentive-report-csv"),
]
