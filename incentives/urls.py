from django.urls import path

from . import metric_views, report_views, views

urlpatterns = [
    path("metrics/", metric_views.metrics_overview, name="metrics-overview"),
    path("metrics/definitions/", metric_views.metric_definitions, name="metric-definitions"),
    path("metrics/import/", metric_views.metrics_import, name="metrics-import"),
    path("pods/<int:pk>/metrics/", metric_views.pod_metrics, name="pod-metrics"),
    path(
        "pods/<int:pk>/metrics/observations/",
        metric_views.pod_observation_add,
        name="pod-observation-add",
    ),
    path(
        "pods/<int:pk>/metrics/observations/<int:obs_id>/review/",
        metric_views.pod_observation_review,
        name="pod-observation-review",
    ),
    path("pods/<int:pk>/metrics/targets/", metric_views.pod_target_set, name="pod-target-set"),
    path(
        "pods/<int:pk>/metrics/targets/copy/",
        metric_views.pod_targets_copy,
        name="pod-targets-copy",
    ),
    path("reports/", report_views.report_list, name="report-list"),
    path("reports/<int:unit_id>/<str:month>/", report_views.report_page, name="incentive-report"),
    path(
        "reports/<int:unit_id>/<str:month>/payroll.csv",
        report_views.report_csv,
        name="incentive-report-csv",
    ),
    # Bonuses (issue 7): plans, month close, what-if, pod pools, statements
    path("plans/", views.plan_list, name="plan-list"),
    path("plans/new/", views.plan_new, name="plan-new"),
    path("plans/<int:pk>/", views.plan_detail, name="plan-detail"),
    path("close/", views.period_list, name="period-list"),
    path("close/<int:pk>/", views.period_review, name="period-review"),
    path("close/<int:pk>/compute/", views.period_recompute, name="period-recompute"),
    path("close/<int:pk>/approve/", views.period_approve, name="period-approve"),
    path("close/<int:pk>/lock/", views.period_lock, name="period-lock"),
    path("close/<int:pk>/adjust/", views.adjustment_new, name="adjustment-new"),
    path("close/<int:pk>/what-if/", views.period_what_if, name="period-what-if"),
    path("close/<int:pk>/pods/<int:pod_pk>/", views.period_pod, name="period-pod"),
    path("bonus/", views.my_bonus, name="my-bonus"),
    path("bonus/what-if/", views.my_what_if, name="my-what-if"),
    path("bonus/<int:period_pk>/", views.my_statement, name="my-statement"),
    path(
        "bonus/<int:period_pk>/people/<int:person_pk>/",
        views.person_statement,
        name="person-statement",
    ),
]
