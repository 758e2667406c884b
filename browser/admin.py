from django.contrib import admin, messages
from django.urls import reverse
from django.utils.html import format_html

from browser.forms import InstanceForm
from browser.instances import instance_save
from browser.models import Instance
from browser.qbittorrent import QbittorrentError, client_for, login_retry_allow


@admin.register(Instance)
class InstanceAdmin(admin.ModelAdmin):
    form = InstanceForm
    list_display = ["name", "url", "enabled", "is_default", "status_link"]
    list_filter = ["enabled"]
    search_fields = ["name", "url"]
    actions = ["test_connection", "allow_login_again"]

    @admin.display(description="status")
    def status_link(self, obj):
        return format_html('<a href="{}">status</a>', reverse("instance-status", args=[obj.pk]))

    def save_model(self, request, obj, form, change):
        instance_save(instance=obj)

    @admin.action(description="Test the connection")
    def test_connection(self, request, queryset):
        for instance in queryset:
            try:
                caps = client_for(instance).capabilities(refresh=True)
            except QbittorrentError as error:
                self.message_user(request, error.message, messages.ERROR)
            else:
                self.message_user(
                    request,
                    f"{instance.name}: qBittorrent {caps.app_version}, "
                    f"WebAPI {caps.webapi_version}.",
                    messages.SUCCESS,
                )

    @admin.action(description="Allow a new login attempt (after fixing credentials)")
    def allow_login_again(self, request, queryset):
        for instance in queryset:
            login_retry_allow(instance=instance)
        self.message_user(request, "The next request will try to log in again.")
