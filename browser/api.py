from datetime import datetime

from ninja import Router

from browser.browse import Listing, browse
from config.schemas import CamelSchema

router = Router(tags=["browse"])


class BrowseIn(CamelSchema):
    path: str | None = None
    instance: int | None = None
    show_hidden: bool = False
    refresh: bool = False


class InstanceRef(CamelSchema):
    id: int
    name: str


class EntryOut(CamelSchema):
    name: str
    path: str
    type: str
    size: int | None
    modified: datetime | None


class CrumbOut(CamelSchema):
    name: str
    path: str


class BrowseOut(CamelSchema):
    instance: InstanceRef
    mode: str
    path: str
    parent: str | None
    breadcrumbs: list[CrumbOut]
    entries: list[EntryOut]
    roots: list[str]
    sizes_known: bool
    cached: bool
    notes: list[str]
    fallback_reason: str | None = None


def listing_out(listing: Listing) -> BrowseOut:
    return BrowseOut.model_validate(listing, from_attributes=True)


@router.post("/qbittorrent/browse", response=BrowseOut, by_alias=True)
def qbittorrent_browse(request, payload: BrowseIn):
    """A folder's content as qBittorrent sees it: folders first, natural order."""
    return listing_out(
        browse(
            user=request.user,
            path=payload.path,
            instance_id=payload.instance,
            show_hidden=payload.show_hidden,
            refresh=payload.refresh,
        )
    )
