"""The local-mode banner and the feedback widget."""

from browser.models import NavigationPreference
from rollout.models import Feedback


def test_the_banner_shows_in_local_mode_only_and_can_be_hidden(user_client, user):
    assert "migration-banner" not in user_client.get("/").content.decode()
    NavigationPreference.objects.update_or_create(user=user, defaults={"mode": "local"})
    page = user_client.get("/").content.decode()
    assert 'id="migration-banner"' in page
    assert "Switch to qBittorrent browsing" in page
    user_client.post("/navigation/banner/dismiss")
    assert "migration-banner" not in user_client.get("/").content.decode()


def test_dismissing_the_banner_goes_back_to_a_page_of_the_app_only(user_client, user):
    NavigationPreference.objects.update_or_create(user=user, defaults={"mode": "local"})
    back = user_client.post("/navigation/banner/dismiss", {"next": "/jobs/"})
    assert back["Location"] == "/jobs/"
    for elsewhere in ("https://evil.example/phish", "//evil.example", "/\\evil.example", "foo"):
        response = user_client.post("/navigation/banner/dismiss", {"next": elsewhere})
        assert response["Location"] == "/", elsewhere


def test_feedback_is_stored_with_the_mode_in_use(user_client, user):
    NavigationPreference.objects.update_or_create(user=user, defaults={"mode": "local"})
    assert 'name="mode" value="local"' in user_client.get("/").content.decode()
    response = user_client.post(
        "/feedback/",
        {"rating": "4", "comment": "Slow folders", "mode": "local", "page": "/browse/"},
    )
    assert "Thank you" in response.content.decode()
    feedback = Feedback.objects.get()
    assert (feedback.rating, feedback.mode, feedback.comment, feedback.user) == (
        4,
        "local",
        "Slow folders",
        user,
    )
    bad = user_client.post("/feedback/", {"rating": "9", "mode": "local"})
    assert bad.status_code == 400 and "from 1 to 5" in bad.content.decode()
    for mode in ("x" * 21, ""):
        bad = user_client.post("/feedback/", {"rating": "4", "mode": mode})
        assert bad.status_code == 400 and "The mode is one of" in bad.content.decode()
    assert Feedback.objects.count() == 1


def test_feedback_is_listed_and_filtered_in_the_admin(staff_client, user):
    Feedback.objects.create(user=user, rating=2, mode="local", comment="meh")
    Feedback.objects.create(user=user, rating=5, mode="qbittorrent", comment="great")
    page = staff_client.get("/admin/rollout/feedback/?mode=local").content.decode()
    assert "meh" in page and "great" not in page
