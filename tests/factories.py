import factory
from django.contrib.auth import get_user_model

from presets.services import secret_hosts

PASSWORD = "correct horse battery staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def saved(self, create, extracted, **kwargs):
        if create:
            self.save()

    @factory.post_generation
    def role(self, create, extracted, **kwargs):
        """The group the user is in: "Creators" unless told; role="" for no group at all."""
        from django.contrib.auth.models import Group

        from accounts.permissions import roles_ensure

        name = "Creators" if extracted is None else extracted
        if create and name:
            # A transactional test's flush empties the groups the data migration made.
            roles_ensure()
            self.groups.add(Group.objects.get(name=name))


class StaffFactory(UserFactory):
    is_staff = True
    is_superuser = True
    username = factory.Sequence(lambda n: f"staff{n}")


class InstanceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "browser.Instance"

    name = factory.Sequence(lambda n: f"qbt{n}")
    url = "http://127.0.0.1:9"
    username = "admin"
    password = "adminadmin"
    timeout_s = 10
    is_default = False


def instance_for(qbittorrent, **overrides):
    """An Instance row pointing at a running test qBittorrent, browsing its data folder."""
    values = dict(
        url=qbittorrent.url,
        username=qbittorrent.username,
        password=qbittorrent.password,
        allowed_roots=[qbittorrent.qbt_data_dir],
        name=f"qBittorrent {qbittorrent.version}",
        is_default=True,
    )
    values.update(overrides)
    return InstanceFactory(**values)


def mapped_instance_for(qbittorrent, **overrides):
    """instance_for, with qBittorrent's data folder mapped to where this host sees it (local
    mode, the local engine)."""
    mapping = {"host_path": str(qbittorrent.host_data_dir), "qbt_path": qbittorrent.qbt_data_dir}
    return instance_for(qbittorrent, path_mappings=[mapping], **overrides)


class PresetFactory(factory.django.DjangoModelFactory):
    """A global private preset with a {passkey} tracker; pass owner=user for a personal one."""

    class Meta:
        model = "presets.TrackerPreset"

    name = factory.Sequence(lambda n: f"Tracker {n}")
    trackers = factory.Sequence(
        lambda n: [[f"https://tracker{n}.example.org/{{passkey}}/announce"]]
    )
    private = True
    owner = None


class PresetSecretFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "presets.PresetSecret"

    user = factory.SubFactory(UserFactory)
    preset = factory.SubFactory(PresetFactory)
    name = "passkey"
    value = factory.Sequence(lambda n: f"{n:032x}")
    hosts = factory.LazyAttribute(lambda o: secret_hosts(o.preset.trackers, o.name))


class JobFactory(factory.django.DjangoModelFactory):
    """A job row as the engine leaves it, without an engine: pass state and result fields."""

    class Meta:
        model = "creator.Job"

    owner = factory.SubFactory(UserFactory)
    instance = None
    instance_name = "qbt"
    source_path = factory.Sequence(lambda n: f"/data/content-{n}")
    name = factory.LazyAttribute(lambda job: job.source_path.rsplit("/", 1)[-1])
    state = "queued"
    options = factory.LazyFunction(
        lambda: {
            "trackers": [["https://tracker.example.org/{passkey}/announce"]],
            "private": True,
            "format": "v1",
            "piece_size": 0,
        }
    )


def torrent_result(source, *, job_id: int) -> dict:
    """Stores a .torrent of the folder `source` (made by libtorrent) for job `job_id` under
    TORRENTS_DIR and answers the result fields an engine records with it."""
    from django.conf import settings
    from django.utils import timezone

    from tests.harness.oracle import hashes, make_torrent, torrent_info

    data = make_torrent(source, trackers=[["https://tracker.example.org/announce"]])
    info = torrent_info(data)
    v1, _ = hashes(info)
    torrent_file = f"{job_id}/{source.name}.torrent"
    path = settings.TORRENTS_DIR / torrent_file
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return dict(
        state="completed",
        progress=100,
        eta_s=None,
        finished_at=timezone.now(),
        torrent_file=torrent_file,
        name=source.name,
        info_hash_v1=v1,
        magnet=f"magnet:?xt=urn:btih:{v1}&dn={source.name}",
        total_size=info.total_size(),
        file_count=info.num_files(),
        piece_size=info.piece_length(),
        piece_count=info.num_pieces(),
        torrent_size=len(data),
        trackers_created=[["https://tracker.example.org/announce"]],
        seeding="Not added: seeding was not asked for.",
    )


def completed_job(source, **fields):
    """A completed job of the folder `source`, its .torrent stored; `fields` override."""
    job = JobFactory(state="completed", **fields)
    result = torrent_result(source, job_id=job.pk)
    result.update(fields)
    for name, value in result.items():
        setattr(job, name, value)
    job.save()
    return job
