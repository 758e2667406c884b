from datetime import datetime

from ninja import Field, Router, Status

from accounts.tokens import token_create, token_list, token_revoke
from config.errors import ServiceError
from config.schemas import CamelSchema, Id

router = Router(tags=["tokens"])


class TokenIn(CamelSchema):
    name: str = Field(max_length=100)
    expires_in_days: int | None = Field(None, description="Empty: the token never expires.")


class TokenOut(CamelSchema):
    id: int
    name: str
    prefix: str
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None
    revoked_at: datetime | None


class NewTokenOut(TokenOut):
    token: str = Field(description="The token itself: shown this once, never again.")


@router.get("/tokens", response=list[TokenOut], by_alias=True)
def tokens(request):
    """Your API tokens (never the tokens themselves)."""
    return token_list(user=request.user)


@router.post("/tokens", response={201: NewTokenOut}, by_alias=True)
def token_new(request, payload: TokenIn):
    """A new token: from a logged-in session only. A token making tokens would outlive its own
    expiry and revocation (the new one never expires unless asked)."""
    if request.by_token:
        raise ServiceError(
            "A token cannot make another token: make it on your account page.",
            code="permission_denied",
            status=403,
        )
    token, plain = token_create(
        user=request.user, name=payload.name, expires_in_days=payload.expires_in_days
    )
    token.token = plain
    return Status(201, token)


@router.delete("/tokens/{token_id}", response={204: None})
def token_delete(request, token_id: Id):
    """Revokes a token: it stops working at once."""
    token_revoke(user=request.user, token_id=token_id)
    return Status(204, None)
