"""The Presets page: the presets a user may use, their rules in words, and write-only forms for
the user's secrets (passkeys), which show only whether one is saved."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from accounts.decorators import role_required
from accounts.permissions import VIEW_PRESETS
from config.errors import NotFound, ServiceError
from presets.services import preset_get, preset_list, preset_secret_delete, preset_secret_set


@role_required(VIEW_PRESETS)
def preset_list_page(request):
    return render(request, "presets/list.html", {"presets": preset_list(viewer=request.user)})


@role_required(VIEW_PRESETS)
@sensitive_post_parameters("value")
@require_POST
def secret_save(request, preset_id: int, name: str):
    """Save or (with action=remove) forget the user's secret; errors show beside the field."""
    try:
        preset = preset_get(viewer=request.user, preset_id=preset_id)
    except NotFound:
        raise Http404("No such preset.") from None
    try:
        if request.POST.get("action") == "remove":
            preset_secret_delete(user=request.user, preset=preset, name=name)
            messages.success(request, f"Your {name} for {preset.name} is removed.")
        else:
            value = request.POST.get("value", "")
            preset_secret_set(user=request.user, preset=preset, name=name, value=value)
            messages.success(request, f"Your {name} for {preset.name} is saved.")
    except ServiceError as exc:
        if exc.field != "value":  # no such field on the page: say it at the top
            messages.error(request, exc.message)
            return redirect("presets")
        error = {"preset_id": preset.pk, "name": name, "message": exc.message}
        context = {"presets": preset_list(viewer=request.user), "error": error}
        return render(request, "presets/list.html", context, status=400)
    return redirect("presets")
