"""/integrations/: an Org Lead's service accounts (create, see the key once, revoke)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from teams import permissions
from teams.integrations import services
from teams.integrations.forms import ServiceAccountForm
from teams.models import Pod

NEW_KEY_SESSION = "service_account_new_key"


def _pod_choices(request: HttpRequest):
    return (
        Pod.objects.filter(org_unit__in=permissions.unit_choices(request.user))
        .exclude(status=Pod.Status.DISSOLVED)
        .select_related("org_unit")
        .order_by("org_unit__name", "name")
    )


@login_required
def integrations(request: HttpRequest) -> HttpResponse:
    """The list (last used, rows sent) and the new-integration form (POST creates one)."""
    permissions.require_org_lead(request.user)
    form = ServiceAccountForm(
        request.POST if request.method == "POST" else None, pods=_pod_choices(request)
    )
    if request.method == "POST" and form.is_valid():
        try:
            account, key = services.service_account_create(
                user=request.user,
                name=form.cleaned_data["name"],
                pod_ids=[p.pk for p in form.cleaned_data["pods"]],
            )
        except ValidationError as exc:
            for field, problems in exc.message_dict.items():
                for problem in problems:
                    form.add_error(field if field in form.fields else None, problem)
        else:
            # Shown on the next page only, then gone: the database keeps just its hash.
            request.session[NEW_KEY_SESSION] = {"id": account.pk, "key": key}
            return redirect("integrations")
    new_key = request.session.pop(NEW_KEY_SESSION, None)
    accounts = (
        permissions.service_accounts_visible_to(request.user)
        .select_related("owner", "owner__person")
        .prefetch_related(
            Prefetch("pods", queryset=Pod.objects.select_related("org_unit").order_by("name"))
        )
        .order_by("revoked_at", "-created_at", "-id")
    )
    return render(
        request,
        "teams/integrations/list.html",
        {"accounts": accounts, "form": form, "new_key": new_key},
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def integration_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    account = permissions.service_account_for_user(request.user, pk)
    services.service_account_revoke(user=request.user, account=account)
    messages.success(request, f"{account.name} revoked: its token no longer works.")
    return redirect("integrations")
