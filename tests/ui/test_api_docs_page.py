"""The nav's API link opens the interactive API docs, drawn from files this server holds (the
app works without the internet: no CDN)."""

import pytest

pytestmark = pytest.mark.browser


def test_the_api_docs_page_shows_the_endpoints(logged_in_page, app_server):
    page = logged_in_page
    asked = []
    page.on("request", lambda request: asked.append(request.url))
    failed = []
    page.on(
        "response", lambda response: failed.append(response.url) if response.status >= 400 else None
    )
    page.get_by_role("link", name="API").first.click()
    page.wait_for_url(f"{app_server.url}/api/docs")
    page.locator(".opblock-summary-path", has_text="/api/jobs").first.wait_for()
    assert page.get_by_text("Torrentsmith API").first.is_visible()
    assert failed == []
    assert all(url.startswith(app_server.url) for url in asked), asked
