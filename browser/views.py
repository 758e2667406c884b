"""The browse page, the path picker partial (embedded by the creator form), instance status."""

from django.contrib import messages
from django.contrib.admin.views.decorators import staff_member_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from accounts.decorators import role_required
from accounts.permissions import USE_INSTANCES
from browser.analysis import analyze
from browser.browse import default_paths
from browser.instances import instance_health, instance_id_of, instances_for
from browser.models import Instance, LoginState, NavigationMode
from browser.preferences import (
    preference_dismiss_notice,
    preference_get,
    preference_mode,
    preference_update,
)
from browser.qbittorrent import QbittorrentError, login_retry_allow
from browser.unified import unified_browse
from config.errors import ServiceError
from rollout.flags import LOCAL_MODE, switch_active


def picker_context(
    request, *, path: str | None, instance_id: int | None, refresh=False, mode: str | None = None
) -> dict:
    """What _picker.html shows; an error from qBittorrent becomes a message in it."""
    preference = preference_get(user=request.user)
    context = {
        "instances": instances_for(request.user),
        "requested_path": path or "",
        "requested_instance": instance_id,
        "requested_mode": mode or "",
        "show_hidden": preference.show_hidden,
    }
    try:
        listing = unified_browse(
            user=request.user,
            path=path,
            mode=mode,
            instance_id=instance_id,
            show_hidden=preference.show_hidden,
            refresh=refresh,
        )
    except ServiceError as error:
        context["error"] = error.message
        # qBittorrent answered (a folder it does not have): its quick paths are a way out
        if isinstance(error, QbittorrentError) and error.code == "not_found":
            instance, context["quick_paths"] = quick_paths(request.user, instance_id)
            if instance is not None:
                context["requested_instance"] = instance.pk
        return context
    context["listing"] = listing
    if listing.mode == NavigationMode.QBITTORRENT:
        context["quick_paths"] = quick_paths(request.user, listing.instance.pk)[1]
    return context


def quick_paths(user, instance_id: int | None) -> tuple[Instance | None, list]:
    """(instance, the quick paths that exist and may be browsed); (None, []) when qBittorrent
    cannot say."""
    try:
        instance, quick = default_paths(user=user, instance_id=instance_id)
    except ServiceError:
        return None, []
    return instance, [q for q in quick if q.allowed and q.exists]


def mode_of(value) -> str | None:
    """The navigation mode a link names; None (the user's preference) when it names none."""
    return value if value in NavigationMode.values else None


@role_required(USE_INSTANCES)
def browse_page(request):
    context = picker_context(
        request,
        path=request.GET.get("path"),
        instance_id=instance_id_of(request.GET.get("instance")),
        mode=mode_of(request.GET.get("mode")),
    )
    return render(request, "browser/browse.html", context)


@role_required(USE_INSTANCES)
def picker(request):
    """The path picker alone, for HTMX swaps."""
    context = picker_context(
        request,
        path=request.GET.get("path"),
        instance_id=instance_id_of(request.GET.get("instance")),
        refresh=request.GET.get("refresh") == "1",
        mode=mode_of(request.GET.get("mode")),
    )
    return render(request, "browser/_picker.html", context)


@role_required(USE_INSTANCES)
def preferences_page(request):
    """The user's navigation preferences: mode, hidden files, the remembered folder."""
    preference = preference_get(user=request.user)
    context = {"local_mode_on": switch_active(LOCAL_MODE)}
    if request.method == "POST":
        mode = request.POST.get("mode", "")
        if mode in ("", *NavigationMode.values):
            preference_update(
                user=request.user,
                mode=mode,
                show_hidden="show_hidden" in request.POST,
                remember_last_path="remember_last_path" in request.POST,
            )
            messages.success(request, "Your browsing preferences are saved.")
            return redirect("navigation-preferences")
        context["error"] = f"There is no browsing mode called {mode!r}."
    context |= {
        "preference": preference,
        "effective_mode": NavigationMode(preference_mode(user=request.user, preference=preference)),
    }
    status = 400 if "error" in context else 200
    return render(request, "browser/preferences.html", context, status=status)


@role_required(USE_INSTANCES)
def analysis(request):
    """What a chosen path holds, as the _analysis.html partial; `create_link` (the browse page,
    not the creator form that shows it beside the form) adds a link to make a torrent of it."""
    context = {"path": request.GET.get("path", ""), "create_link": "create_link" in request.GET}
    try:
        context["analysis"] = analyze(
            user=request.user,
            path=context["path"],
            instance_id=instance_id_of(request.GET.get("instance")),
        )
    except ServiceError as error:
        context["error"] = error.message
    return render(request, "browser/_analysis.html", context)


@role_required(USE_INSTANCES)
def instance_status(request, pk: int):
    instance = get_object_or_404(instances_for(request.user), pk=pk)
    return render(
        request,
        "browser/instance_status.html",
        {
            "instance": instance,
            "health": instance_health(instance),
            "login": LoginState.objects.filter(instance=instance).first(),
        },
    )


@staff_member_required
@require_POST
def instance_login_retry(request, pk: int):
    instance = get_object_or_404(Instance, pk=pk)
    login_retry_allow(instance=instance)
    messages.success(request, "The next request will try to log in again.")
    return redirect("instance-status", pk=pk)


@role_required(USE_INSTANCES)
@require_POST
def migration_banner_dismiss(request):
    """Hides the local-mode banner for this user (it does not come back)."""
    preference_dismiss_notice(user=request.user)
    if request.htmx:
        return HttpResponse("")
    back = request.POST.get("next", "")
    # only back to a page of this app: a form elsewhere could send a user anywhere
    if not back.startswith("/") or not url_has_allowed_host_and_scheme(
        back, {request.get_host()}, request.is_secure()
    ):
        back = "home"  # (a bare word would be taken for a URL name)
    return redirect(back)
