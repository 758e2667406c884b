"""The history page's filters: GET parameters in, job_list's keyword arguments out."""

from datetime import datetime, time, timedelta

from django import forms
from django.contrib.auth import get_user_model
from django.utils import timezone

from browser.models import Instance
from creator.models import JobState
from presets.services import preset_list


class JobFilterForm(forms.Form):
    """Filters, search and sort order of the history page; every field may be left empty.

    A value that does not parse (a deleted preset, a mistyped date) shows an error beside its
    field and filters nothing, so an old shared link still opens.
    """

    q = forms.CharField(
        label="Search",
        required=False,
        max_length=200,
        widget=forms.SearchInput(attrs={"placeholder": "Name, path or info hash"}),
    )
    state = forms.ChoiceField(label="State", required=False)
    preset = forms.TypedChoiceField(label="Preset", required=False, coerce=int, empty_value=None)
    instance = forms.TypedChoiceField(
        label="qBittorrent", required=False, coerce=int, empty_value=None
    )
    user = forms.TypedChoiceField(label="User", required=False, coerce=int, empty_value=None)
    since = forms.DateField(
        label="Created from", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        label="Created to", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    ordering = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, data, *, viewer):
        super().__init__(data)
        self.fields["state"].choices = [("", "Any state"), *JobState.choices]
        self.fields["preset"].choices = [
            ("", "Any preset"),
            *((p.pk, p.name) for p in preset_list(viewer=viewer)),
        ]
        self.fields["instance"].choices = [
            ("", "Any instance"),
            *Instance.objects.order_by("name").values_list("pk", "name"),
        ]
        if viewer.is_staff:
            users = get_user_model().objects.order_by("username").values_list("pk", "username")
            self.fields["user"].choices = [("", "Everyone"), *users]
        else:
            del self.fields["user"]  # job_list shows a user only their own jobs anyway

    def job_list_arguments(self) -> dict:
        """The valid filters as job_list's keyword arguments (invalid ones left out)."""
        self.is_valid()
        data = self.cleaned_data  # holds only the fields that parsed
        since, until = data.get("since"), data.get("until")
        return {
            "search": data.get("q") or "",
            "state": data.get("state") or None,
            "preset_id": data.get("preset"),
            "instance_id": data.get("instance"),
            "owner_id": data.get("user"),
            "since": _start_of(since) if since else None,
            # "to" a day includes that day: job_list's `until` is exclusive.
            "until": _start_of(until + timedelta(days=1)) if until else None,
            "ordering": data.get("ordering") or "-created_at",
        }


def _start_of(day) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))
