from django.urls import path

from incentives.bonuses import api as bonuses_api
from incentives.bonuses import views as bonuses_views
from incentives.metrics import api as metric_api
from incentives.metrics import views as metric_views
from incentives.reports import api as reports_api
from incentives.reports import views as report_views
from incentives.staffing import api as staffing_api
from incentives.staffing import views as staffing_views

urlpatterns = [
    path("", report_views.home, name="home"),
    path("pods/<int:pk>/", report_views.pod_page, name="pod-detail"),
    path("pods/<int:pk>/charter/", report_views.pod_charter_edit, name="pod-charter"),
    path("pods/<int:pk>/agents.md", report_views.pod_agents_md, name="pod-agents-md"),
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
        "pods/<int:pk>/metrics/targets/proposals/<int:proposal_id>/",
        metric_views.pod_target_proposal_decide,
        name="pod-target-proposal-decide",
    ),
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
    path("plans/", bonuses_views.plan_list, name="plan-list"),
    path("plans/new/", bonuses_views.plan_new, name="plan-new"),
    path("plans/<int:pk>/", bonuses_views.plan_detail, name="plan-detail"),
    path("close/", bonuses_views.period_list, name="period-list"),
    path("close/run/", bonuses_views.month_close_run, name="month-close-run"),
    path("close/<int:pk>/", bonuses_views.period_review, name="period-review"),
    path("close/<int:pk>/compute/", bonuses_views.period_recompute, name="period-recompute"),
    path("close/<int:pk>/approve/", bonuses_views.period_approve, name="period-approve"),
    path("close/<int:pk>/lock/", bonuses_views.period_lock, name="period-lock"),
    path("close/<int:pk>/adjust/", bonuses_views.adjustment_new, name="adjustment-new"),
    path("close/<int:pk>/what-if/", bonuses_views.period_what_if, name="period-what-if"),
    path("close/<int:pk>/pods/<int:pod_pk>/", bonuses_views.period_pod, name="period-pod"),
    path("people/<int:pk>/pay/", bonuses_views.person_pay_change, name="person-pay-change"),
    path("people/<int:pk>/move/", staffing_views.person_move, name="person-move"),
    path("people/<int:pk>/offboard/", staffing_views.person_offboard, name="person-offboard"),
    path(
        "people/<int:pk>/memberships/new/",
        staffing_views.person_membership_add,
        name="person-membership-add",
    ),
    path("pods/<int:pk>/members/new/", staffing_views.pod_member_add, name="pod-member-add"),
    path("pods/<int:pk>/dissolve/", staffing_views.pod_dissolve, name="pod-dissolve"),
    path("memberships/<int:pk>/", staffing_views.membership_change, name="membership-change"),
    path("bonus/", bonuses_views.my_bonus, name="my-bonus"),
    path("bonus/what-if/", bonuses_views.my_what_if, name="my-what-if"),
    path("bonus/<int:period_pk>/", bonuses_views.my_statement, name="my-statement"),
    path(
        "bonus/<int:period_pk>/people/<int:person_pk>/",
        bonuses_views.person_statement,
        name="person-statement",
    ),
]

# Mounted under /api/ by config/urls.py.
api_urlpatterns = [
    path("metrics/", metric_api.MetricList.as_view(), name="api-metrics"),
    path("observations/", metric_api.ObservationListCreate.as_view(), name="api-observations"),
    path(
        "observations/bulk/",
        metric_api.ObservationBulkUpsert.as_view(),
        name="api-observations-bulk",
    ),
    path("periods/", bonuses_api.PeriodList.as_view(), name="api-periods"),
    path("periods/compute/", bonuses_api.PeriodCompute.as_view(), name="api-period-compute"),
    path("periods/<int:pk>/", bonuses_api.PeriodDetail.as_view(), name="api-period"),
    path(
        "periods/<int:pk>/approve/", bonuses_api.PeriodApprove.as_view(), name="api-period-approve"
    ),
    path(
        "periods/<int:pk>/payouts/", bonuses_api.PeriodPayouts.as_view(), name="api-period-payouts"
    ),
    path("me/statements/", bonuses_api.MyStatements.as_view(), name="api-my-statements"),
    path("pods/<int:pk>/agents.md", reports_api.PodAgentsMd.as_view(), name="api-pod-agents-md"),
    # People, pods and memberships: the reads and writes that move pay. /api/people/ and
    # /api/pods/ themselves are teams' (config/urls.py mounts teams first); none of these
    # paths exists there.
    path("people/<int:pk>/pay/", staffing_api.PersonPay.as_view(), name="api-person-pay"),
    path("people/<int:pk>/move/", staffing_api.PersonMove.as_view(), name="api-person-move"),
    path(
        "people/<int:pk>/offboard/",
        staffing_api.PersonOffboard.as_view(),
        name="api-person-offboard",
    ),
    path("memberships/", staffing_api.MembershipList.as_view(), name="api-memberships"),
    path("memberships/<int:pk>/", staffing_api.MembershipDetail.as_view(), name="api-membership"),
    path("pods/<int:pk>/", staffing_api.PodDetail.as_view(), name="api-pod"),
    path("pods/<int:pk>/baseline/", staffing_api.PodBaseline.as_view(), name="api-pod-baseline"),
]
