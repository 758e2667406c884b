from django.contrib import admin

from creator.models import Job


@admin.register(Job)
class JobAdmin(admin.ModelAdmin):
    """Jobs are made and changed by their owners and the worker; the admin only reads them."""

    list_display = [
        "id",
        "name",
        "owner",
        "state",
        "instance_name",
        "preset",
        "created_at",
        "finished_at",
    ]
    list_filter = ["state", "engine", "instance_name"]
    search_fields = ["name", "source_path", "info_hash_v1", "info_hash_v2", "owner__username"]
    date_hierarchy = "created_at"
    list_select_related = ["owner", "preset"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # a job's record, failed ones included, is kept
