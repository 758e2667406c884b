from django.conf import settings
from django.db import models

from browser.models import Instance
from presets.models import TrackerPreset


class JobState(models.TextChoices):
    QUEUED = "queued", "Queued"
    SUBMITTED = "submitted", "Submitted to qBittorrent"
    HASHING = "hashing", "Hashing"
    FINALIZING = "finalizing", "Finalizing"
    COMPLETED = "completed", "Completed"
    FAILED = "failed", "Failed"
    CANCELLED = "cancelled", "Cancelled"


TERMINAL_STATES = {JobState.COMPLETED, JobState.FAILED, JobState.CANCELLED}
ACTIVE_STATES = {JobState.QUEUED, JobState.SUBMITTED, JobState.HASHING, JobState.FINALIZING}


class Engine(models.TextChoices):
    QBITTORRENT = "qbittorrent", "qBittorrent's torrent creator"
    LOCAL = "local", "Local engine"


class JobKind(models.TextChoices):
    CREATE = "create", "Create a torrent"
    VERIFY = "verify", "Verify content against a torrent"
    EDIT = "edit", "Edit a torrent (no rehash)"


class Job(models.Model):
    """One torrent creation: its options frozen at submission, its progress, its result.

    Tracker URLs are stored as the user gave them (templates with `{passkey}`), never filled:
    secrets are filled in only when the engine hands them to qBittorrent.
    """

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="jobs"
    )
    instance = models.ForeignKey(
        Instance, null=True, on_delete=models.SET_NULL, related_name="jobs"
    )
    instance_name = models.CharField(max_length=100)  # kept when the instance is deleted
    source_path = models.CharField(max_length=4096)  # as qBittorrent sees it
    engine = models.CharField(max_length=20, choices=Engine, default=Engine.QBITTORRENT)
    kind = models.CharField(max_length=10, choices=JobKind, default=JobKind.CREATE)
    options = models.JSONField(default=dict)  # see creator.jobs.JobOptions
    preset = models.ForeignKey(
        TrackerPreset, null=True, blank=True, on_delete=models.SET_NULL, related_name="jobs"
    )
    preset_snapshot = models.JSONField(default=dict, blank=True)
    retry_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="retries"
    )

    state = models.CharField(
        max_length=20, choices=JobState, default=JobState.QUEUED, db_index=True
    )
    progress = models.FloatField(default=0)  # percent of hashing done, 0..100
    eta_s = models.PositiveIntegerField(null=True, blank=True)
    # the file being hashed, as "name/folder/file" (local engine; qBittorrent does not say)
    current_file = models.CharField(max_length=1024, blank=True)
    waiting_reason = models.CharField(max_length=500, blank=True)
    waiting_since = models.DateTimeField(null=True, blank=True)  # qBittorrent out of reach
    error = models.TextField(blank=True)
    notes = models.JSONField(default=list, blank=True)  # things the user should know

    qbt_task_id = models.CharField(max_length=64, blank=True)
    submit_started_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)  # addTask calls (piece-size retries)
    lease_owner = models.CharField(max_length=64, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)

    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    torrent_file = models.CharField(max_length=500, blank=True)  # under TORRENTS_DIR
    name = models.CharField(max_length=1000, blank=True, db_index=True)
    info_hash_v1 = models.CharField(max_length=40, blank=True, db_index=True)
    info_hash_v2 = models.CharField(max_length=64, blank=True, db_index=True)
    magnet = models.TextField(blank=True)
    total_size = models.PositiveBigIntegerField(null=True, blank=True)
    file_count = models.PositiveIntegerField(null=True, blank=True)
    piece_size = models.PositiveBigIntegerField(null=True, blank=True)
    piece_count = models.PositiveIntegerField(null=True, blank=True)
    torrent_size = models.PositiveIntegerField(null=True, blank=True)
    trackers_created = models.JSONField(default=list, blank=True)  # tiers, secrets masked
    seeding = models.CharField(max_length=500, blank=True)  # outcome of adding for seeding
    verify_report = models.JSONField(null=True, blank=True)  # a verify job's findings

    class Meta:
        ordering = ["-created_at", "-pk"]
        # The history's pages: a user's jobs newest first, down to the id that breaks ties.
        # On PostgreSQL, trigram indexes serve its search too (migration 0004).
        indexes = [
            models.Index(fields=["owner", "-created_at", "-id"]),
            models.Index(fields=["state", "lease_until"]),
        ]

    def __str__(self) -> str:
        return f"job {self.pk}: {self.name or self.source_path} ({self.state})"

    @property
    def is_finished(self) -> bool:
        return self.state in TERMINAL_STATES

    @property
    def phase(self) -> str:
        """The three phases users see: scanning, hashing, finalizing (then done)."""
        if self.state in (JobState.QUEUED, JobState.SUBMITTED):
            return "scanning"
        if self.state == JobState.HASHING:
            return "hashing"
        if self.state == JobState.FINALIZING:
            return "finalizing"
        return "done"

    @property
    def percentage(self) -> float:
        """Overall progress: scanning counts 5%, hashing 90%, finalizing 5%."""
        if self.state == JobState.COMPLETED:
            return 100.0
        if self.state == JobState.HASHING:
            return round(5 + 0.9 * self.progress, 1)
        if self.state == JobState.FINALIZING:
            return 95.0
        if self.state in (JobState.FAILED, JobState.CANCELLED):
            return round(5 + 0.9 * self.progress, 1) if self.progress else 0.0  # where it stopped
        return 0.0 if self.state == JobState.QUEUED else 2.0


class CreatorDefaults(models.Model):
    """One user's last values on the creator form, to start their next torrent from.

    Tracker URLs are kept as typed (templates such as `{passkey}`), never with secrets filled.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="creator_defaults"
    )
    values = models.JSONField(default=dict)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "creator defaults"

    def __str__(self) -> str:
        return f"creator defaults of {self.user}"
