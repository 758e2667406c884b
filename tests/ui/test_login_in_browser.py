import pytest

pytestmark = pytest.mark.browser


def test_a_user_logs_in_and_sees_the_home_page(logged_in_page, user):
    page = logged_in_page
    assert page.get_by_role("heading", name=f"Welcome, {user.username}").is_visible()
    assert page.get_by_role("navigation", name="Main").is_visible()
    assert page.evaluate("typeof htmx") == "object"  # vendored htmx loaded from static/
    assert page.evaluate("typeof Alpine") == "object"


def test_wrong_password_is_refused_in_the_form(page, app_server, user):
    page.goto(f"{app_server.url}/")
    assert page.url.startswith(f"{app_server.url}/login/")
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill("wrong")
    page.get_by_role("button", name="Log in").click()
    assert page.get_by_role("alert").inner_text().startswith("Please enter a correct username")


def test_dark_mode_follows_the_system(logged_in_page):
    page = logged_in_page
    page.emulate_media(color_scheme="dark")
    dark = page.evaluate("getComputedStyle(document.body).backgroundColor")
    page.emulate_media(color_scheme="light")
    light = page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert dark == "rgb(20, 21, 24)"
    assert light == "rgb(247, 247, 248)"
