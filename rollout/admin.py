from django.contrib import admin

from rollout.models import Feedback, NavigationEvent


@admin.register(Feedback)
class FeedbackAdmin(admin.ModelAdmin):
    list_display = ["created_at", "user", "mode", "rating", "comment", "page"]
    list_filter = ["mode", "rating", "created_at"]
    search_fields = ["comment", "user__username"]
    date_hierarchy = "created_at"
    readonly_fields = ["created_at", "user", "mode", "rating", "comment", "page"]

    def has_add_permission(self, request):
        return False


@admin.register(NavigationEvent)
class NavigationEventAdmin(admin.ModelAdmin):
    list_display = ["created_at", "user", "mode", "instance_name", "outcome", "duration_ms"]
    list_filter = ["mode", "outcome", "instance_name"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
