from django.urls import path

from accounts import views

urlpatterns = [
    path("", views.account_page, name="account"),
    path("tokens/<int:token_id>/revoke", views.token_revoke_post, name="token-revoke"),
]
