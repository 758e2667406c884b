"""The one domain error the apps raise; the API and the views each map it in one place."""

from contextlib import contextmanager


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
        self.more: list[ServiceError] = []  # refusals of other fields, gathered (Refusals)
        if code is not None:
            self.code = code
        if status is not None:
            self.status = status

    def __reduce__(self):
        # keeps code, field and status when the error crosses a process boundary (hashing)
        return (type(self), (self.message,), self.__dict__)

    def as_dict(self) -> dict:
        errors = [{"field": e.field, "message": e.message} for e in [self, *self.more] if e.field]
        return {"detail": self.message, "code": self.code, "errors": errors}


class Refusals:
    """Refusals of several fields gathered, so that a form (or a script) learns of them all at
    once rather than one per try: the first is raised, carrying the others."""

    def __init__(self):
        self.errors: list[ServiceError] = []

    def add(self, error: ServiceError) -> None:
        self.errors += [error, *error.more]
        error.more = []

    @contextmanager
    def check(self):
        """Gathers the refusal of a field the block raises; anything else goes on up."""
        try:
            yield
        except ServiceError as error:
            if error.field is None or error.status >= 500:
                raise
            self.add(error)

    def raise_any(self) -> None:
        if self.errors:
            first = self.errors[0]
            first.more = self.errors[1:]
            raise first


class NotFound(ServiceError):
    status = 404
    code = "not_found"


class PermissionDenied(ServiceError):
    status = 403
    code = "permission_denied"
