from config.errors import ServiceError
from rollout.models import Feedback

MODES = ("qbittorrent", "local")  # browser.models.NavigationMode, which rollout does not import


def feedback_submit(*, user, rating, comment: str, mode: str, page: str = "") -> Feedback:
    """Stores a rating (1 to 5) and a comment, with the navigation mode the user is in."""
    try:
        rating = int(rating)
    except (TypeError, ValueError):
        rating = 0
    if not 1 <= rating <= 5:
        raise ServiceError("Choose a rating from 1 to 5.", field="rating")
    if mode not in MODES:
        raise ServiceError(f"The mode is one of: {', '.join(MODES)}.", field="mode")
    return Feedback.objects.create(
        user=user, rating=rating, comment=(comment or "")[:2000], mode=mode, page=(page or "")[:200]
    )
