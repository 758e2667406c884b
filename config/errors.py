"""The one domain error the apps raise; the API and the views each map it in one place."""


class ServiceError(Exception):
    """A failure a user can act on: a code for scripts, a sentence for people, maybe a field."""

    status = 400
    code = "invalid"

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        field: str | None = None,
        status: int | None = None,
    ):
        super().__init__(message)
        self.message = message
        self.field = field
        if code is not None:
            self.code = code
        if status is not None:
            self.status = status

    def __reduce__(self):
        # keeps code, field and status when the error crosses a process boundary (hashing)
        return (type(self), (self.message,), self.__dict__)

    def as_dict(self) -> dict:
        errors = [{"field": self.field, "message": self.message}] if self.field else []
        return {"detail": self.message, "code": self.code, "errors": errors}


class NotFound(ServiceError):
    status = 404
    code = "not_found"


class PermissionDenied(ServiceError):
    status = 403
    code = "permission_denied"
