from teams import permissions

ROLE_LABELS = {
    "admin": "Admin",
    "org_lead": "Org Lead",
    "pod_lead": "Pod Lead",
    "member": "Member",
    "none": "No role",
}


def roles(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_role": "none"}
    role = permissions.role_of(user)
    return {
        "nav_role": role,
        "nav_role_label": ROLE_LABELS[role],
        "nav_is_lead": role in ("admin", "org_lead"),
        "nav_person": permissions.person_of(user),
    }
