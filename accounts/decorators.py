from functools import wraps

from django.shortcuts import render

from accounts.permissions import require
from config.errors import PermissionDenied


def role_required(permission: str):
    """Pages: a 403 page in words (and an audit event) for users without `permission`."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            try:
                require(request.user, permission)
            except PermissionDenied as error:
                return render(request, "403.html", {"message": error.message}, status=403)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
