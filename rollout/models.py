from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models


class NavigationOutcome(models.TextChoices):
    OK = "ok", "Listed"
    NOT_FOUND = "not_found", "Path not found"
    QBITTORRENT_ERROR = "qbittorrent_error", "qBittorrent failed"
    REFUSED = "refused", "Refused (outside the roots, not allowed)"
    INVALID = "invalid", "Malformed path"


class NavigationEvent(models.Model):
    """One folder listing asked for, as it happened: what the rollout is judged by."""

    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    mode = models.CharField(max_length=20)  # "qbittorrent" or "local"
    instance_name = models.CharField(max_length=100, blank=True)
    outcome = models.CharField(max_length=20, choices=NavigationOutcome)
    duration_ms = models.FloatField()

    class Meta:
        indexes = [models.Index(fields=["mode", "created_at"])]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.mode} {self.outcome}"


class Feedback(models.Model):
    """What a user thinks of browsing, in the navigation mode they used."""

    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    mode = models.CharField(max_length=20)
    rating = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    comment = models.TextField(blank=True, max_length=2000)
    page = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name_plural = "feedback"

    def __str__(self) -> str:
        return f"{self.rating}/5 in {self.mode} mode by {self.user}"
