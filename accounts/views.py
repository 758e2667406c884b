"""Your account: API tokens (made, shown once, revoked)."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from accounts.tokens import token_create, token_list, token_revoke
from config.errors import ServiceError


def _expiry(value: str) -> int | None:
    value = (value or "").strip()
    if not value:
        return None
    try:
        return int(value)
    except ValueError:
        return -1  # token_create says what is allowed


def account_page(request):
    context = {"tokens": token_list(user=request.user), "form": {}}
    if request.method == "POST":
        name, expiry = request.POST.get("name", ""), request.POST.get("expires_in_days", "")
        try:
            token, plain = token_create(
                user=request.user, name=name, expires_in_days=_expiry(expiry)
            )
        except ServiceError as error:
            context.update(error=error, form={"name": name, "expires_in_days": expiry})
            return render(request, "accounts/account.html", context, status=400)
        context.update(new_token=token, new_plain=plain, tokens=token_list(user=request.user))
    return render(request, "accounts/account.html", context)


@require_POST
def token_revoke_post(request, token_id: int):
    try:
        token = token_revoke(user=request.user, token_id=token_id)
    except ServiceError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"Token “{token.name}” is revoked.")
    return redirect("account")
