from django.urls import reverse


def test_login_page_renders_our_form(client, db):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    body = response.content.decode()
    assert '<label for="id_username">Username</label>' in body
    assert "static/vendor/htmx-2.0.11.min.js" in body


def test_login_with_right_password_reaches_home(client, user, password):
    response = client.post(
        reverse("login"), {"username": user.username, "password": password}, follow=True
    )
    assert response.redirect_chain[-1][0] == reverse("home")
    assert f"Welcome, {user.username}" in response.content.decode()


def test_login_with_wrong_password_says_so(client, user):
    response = client.post(reverse("login"), {"username": user.username, "password": "nope"})
    assert response.status_code == 200
    assert "Please enter a correct username and password" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_login_redirects_back_to_the_page_asked_for(client, user, password):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"] == "/login/?next=/"
    response = client.post(
        "/login/?next=/", {"username": user.username, "password": password, "next": "/"}
    )
    assert response["Location"] == "/"


def test_logout_is_a_post_and_ends_the_session(user_client):
    assert user_client.get("/").status_code == 200
    response = user_client.post(reverse("logout"))
    assert response.status_code == 302
    assert user_client.get("/").status_code == 302


def test_nav_shows_admin_link_only_to_staff(user_client, staff_client):
    assert "/admin/" not in user_client.get("/").content.decode()
    assert "/admin/" in staff_client.get("/").content.decode()
