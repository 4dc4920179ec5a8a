"""The "Analysts" group: its members may export every client's data, pseudonymized.

It holds `stretch_sessions.export_analytics`. Add a staff account to it (admin →
Users) to let it use `GET /api/v1/exports/{dataset}/` over all clients; trainers
export their consented clients without it.
"""

from django.db import migrations

GROUP = "Analysts"


def create_analysts_group(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    Group = apps.get_model("auth", "Group")
    # Permissions are normally created after all migrations ran; this one is needed now.
    content_type, _ = ContentType.objects.get_or_create(app_label="stretch_sessions", model="exportrecord")
    permission, _ = Permission.objects.get_or_create(
        content_type=content_type,
        codename="export_analytics",
        defaults={"name": "Can export every client's data, pseudonymized"},
    )
    group, _ = Group.objects.get_or_create(name=GROUP)
    group.permissions.add(permission)


def remove_analysts_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name=GROUP).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("stretch_sessions", "0006_export_records"),
    ]

    operations = [
        migrations.RunPython(create_analysts_group, remove_analysts_group),
    ]
