"""The one NinjaAPI: mounts each app's router and maps errors to one shape.

Every error answer is `{"detail": str, "code": str, "errors": [{"field", "message"}]}`.
"""

from django.contrib.auth.decorators import login_required
from django.http import Http404
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from accounts.api import router as accounts_router
from accounts.api_auth import api_auth
from browser.api import router as browser_router
from config.errors import ServiceError
from creator.api import router as creator_router
from presets.api import router as presets_router

api = NinjaAPI(
    title="Torrentsmith API",
    version="1",
    urls_namespace="api",
    auth=api_auth(),
    docs_decorator=login_required,
)
api.add_router("", accounts_router)
api.add_router("", browser_router)
api.add_router("", creator_router)
api.add_router("", presets_router)


def _error(request, status: int, detail: str, code: str, errors: list | None = None):
    return api.create_response(
        request, {"detail": detail, "code": code, "errors": errors or []}, status=status
    )


@api.exception_handler(ServiceError)
def service_error(request, exc: ServiceError):
    return api.create_response(request, exc.as_dict(), status=exc.status)


@api.exception_handler(AuthenticationError)
def not_authenticated(request, exc):
    return _error(request, 401, "Log in or send an API token.", "not_authenticated")


@api.exception_handler(HttpError)
def http_error(request, exc: HttpError):
    # Raised by ninja itself, e.g. a failed CSRF check on a session request.
    code = "csrf_failed" if "CSRF" in str(exc) else "http_error"
    detail = (
        "The CSRF check failed: send the csrftoken cookie's value as X-CSRFToken, or use "
        "an API token."
        if code == "csrf_failed"
        else str(exc)
    )
    return _error(request, exc.status_code, detail, code)


@api.exception_handler(Http404)
def not_found(request, exc):
    return _error(request, 404, "Not found.", "not_found")


def _union_member(part) -> bool:
    return isinstance(part, str) and ("[" in part or part in {"str", "int", "float", "bool"})


@api.exception_handler(NinjaValidationError)
def invalid_input(request, exc: NinjaValidationError):
    errors = []
    for error in exc.errors:
        # loc is ("body", "payload", "field", ...) or ("query", "field"): keep the field part
        # (a field may itself be called "path", so only the leading place is dropped).
        # pydantic names the member of a union that failed ("trackers.list[list[str]].0.0",
        # "trackers.str"): the field is what the user sent
        loc = [str(part) for part in error.get("loc", ()) if not _union_member(part)]
        if loc and loc[0] in ("body", "query", "path", "form", "file", "header", "cookie"):
            loc = loc[1:]
        if loc and loc[0] == "payload":
            loc = loc[1:] or ["body"]  # the body as a whole (not an object)
        # pydantic prefixes a validator's own words with "Value error, ": they stand alone
        message = str(error.get("msg", "invalid")).removeprefix("Value error, ")
        errors.append({"field": ".".join(loc) or None, "message": message})
    detail = (
        "; ".join(f"{e['field']}: {e['message']}" if e["field"] else e["message"] for e in errors)
        or "Invalid input."
    )
    return _error(request, 422, detail, "invalid_input", errors)
