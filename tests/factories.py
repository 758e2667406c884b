import factory
from django.contrib.auth import get_user_model

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
