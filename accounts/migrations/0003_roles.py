"""The Creators and Viewers groups with their permissions (see accounts/permissions.py)."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

ROLES = {
    "Creators": ["browser.use_instance", "presets.view_trackerpreset", "creator.add_job",
                 "creator.view_job"],
    "Viewers": ["presets.view_trackerpreset", "creator.view_job"],
}


def create_roles(apps, schema_editor):
    # Permissions are normally made after all migrations ran; the groups need them now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codes in ROLES.items():
        group, _ = Group.objects.get_or_create(name=name)
        for code in codes:
            app_label, codename = code.split(".")
            group.permissions.add(
                Permission.objects.get(content_type__app_label=app_label, codename=codename))


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLES).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_apitoken"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("browser", "0002_instance_access"),
        ("presets", "0002_builtin_presets"),
        ("creator", "0001_initial"),
    ]
    operations = [migrations.RunPython(create_roles, remove_roles)]
