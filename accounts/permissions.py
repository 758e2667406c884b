"""Who may do what: Django permissions, granted through two groups.

Creators browse qBittorrent instances and create jobs; Viewers only read job history. Staff
manage presets and instances in the admin and see everyone's jobs. A user in neither group can
log in and manage their own API tokens, nothing more.
"""

from accounts.audit import audit_record
from config.errors import PermissionDenied

USE_INSTANCES = "browser.use_instance"
VIEW_PRESETS = "presets.view_trackerpreset"
CREATE_JOBS = "creator.add_job"
VIEW_JOBS = "creator.view_job"

ROLES = {
    "Creators": [USE_INSTANCES, VIEW_PRESETS, CREATE_JOBS, VIEW_JOBS],
    "Viewers": [VIEW_PRESETS, VIEW_JOBS],
}
WHAT = {
    USE_INSTANCES: "browse qBittorrent instances",
    VIEW_PRESETS: "use tracker presets",
    CREATE_JOBS: "create or change jobs",
    VIEW_JOBS: "see jobs",
}


def role_for(permission: str) -> str:
    return next(role for role, perms in ROLES.items() if permission in perms)


def require(user, permission: str) -> None:
    """Raises PermissionDenied (and records it) unless `user` holds `permission`."""
    if user.has_perm(permission):
        return
    audit_record(
        actor=user,
        action="permission.denied",
        detail={"permission": permission},
        repeats=("permission.denied", user.pk, permission),
    )
    raise PermissionDenied(
        f"Your account may not {WHAT[permission]}: an administrator adds you to the "
        f"{role_for(permission)} group."
    )


def roles_ensure() -> None:
    """Creates the Creators and Viewers groups with their permissions, if missing."""
    from django.contrib.auth.models import Group, Permission

    for name, permissions in ROLES.items():
        group, _ = Group.objects.get_or_create(name=name)
        for permission in permissions:
            app_label, codename = permission.split(".")
            group.permissions.add(
                Permission.objects.get(content_type__app_label=app_label, codename=codename)
            )
