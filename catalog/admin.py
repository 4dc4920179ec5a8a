"""Staff edit the whole catalog here, and catalog editors (`catalog.edit_catalog`, the
"Catalog editors" group) edit exercises with their inlines and read the vocabularies
they pick from. Every save moves the catalog version, so ETags change.

An exercise's edits are recorded like the API's (a new version, a content
snapshot, a history record naming the user: see the History button). A save
whose whole content breaks a catalog rule (content.check_exercise, as for
load_catalog and the API) is rolled back and shown again with the problems.
An exercise that logged holds use cannot be deleted (their foreign key protects
it, and the admin shows what blocks the deletion): retire it instead.
"""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from . import choices, models
from .content import ContentError
from .services import catalog_version_bump, exercise_edited_in_admin, exercise_retire


class CatalogVersionAdminMixin:
    """Bump the catalog version after any change made through the admin."""

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        catalog_version_bump()

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        catalog_version_bump()

    def delete_queryset(self, request, queryset):
        super().delete_queryset(request, queryset)
        catalog_version_bump()


EDIT_CATALOG = "catalog.edit_catalog"


def _is_editor(request) -> bool:
    return request.user.is_active and request.user.is_staff and request.user.has_perm(EDIT_CATALOG)


class EditorInlineAccess:
    """An exercise's inline rows: catalog editors add, change and remove them with the exercise."""

    def has_view_permission(self, request, obj=None) -> bool:
        return _is_editor(request) or super().has_view_permission(request, obj)

    def has_add_permission(self, request, obj=None) -> bool:
        return _is_editor(request) or super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None) -> bool:
        return _is_editor(request) or super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        return _is_editor(request) or super().has_delete_permission(request, obj)


class EditorExerciseAccess:
    """Catalog editors create, change and retire exercises; deleting one stays with Django's permission."""

    def has_module_permission(self, request) -> bool:
        return _is_editor(request) or super().has_module_permission(request)

    def has_view_permission(self, request, obj=None) -> bool:
        return _is_editor(request) or super().has_view_permission(request, obj)

    def has_add_permission(self, request) -> bool:
        return _is_editor(request) or super().has_add_permission(request)

    def has_change_permission(self, request, obj=None) -> bool:
        return _is_editor(request) or super().has_change_permission(request, obj)


class EditorVocabularyAccess:
    """Catalog editors read the vocabularies (their pickers need it); changing one stays with staff."""

    def has_module_permission(self, request) -> bool:
        return _is_editor(request) or super().has_module_permission(request)

    def has_view_permission(self, request, obj=None) -> bool:
        return _is_editor(request) or super().has_view_permission(request, obj)


class OrderedInline(EditorInlineAccess, admin.TabularInline):
    extra = 0
    ordering = ["position"]


class StepInline(OrderedInline):
    model = models.Step
    fields = ["position", "phase", "instruction", "checkpoint"]


class TipInline(OrderedInline):
    model = models.Tip


class CommonMistakeInline(OrderedInline):
    model = models.CommonMistake


class FaqEntryInline(OrderedInline):
    model = models.FaqEntry


class DoseInline(EditorInlineAccess, admin.TabularInline):
    model = models.Dose
    extra = 0


class PnfProtocolInline(EditorInlineAccess, admin.StackedInline):
    model = models.PnfProtocol
    extra = 0
    max_num = 1


class ExerciseMuscleInline(EditorInlineAccess, admin.TabularInline):
    model = models.ExerciseMuscle
    extra = 0
    autocomplete_fields = ["muscle"]


class ExerciseEquipmentInline(EditorInlineAccess, admin.TabularInline):
    model = models.ExerciseEquipment
    extra = 0


class ExerciseUseCaseInline(EditorInlineAccess, admin.TabularInline):
    model = models.ExerciseUseCase
    extra = 0


class ExerciseRelationInline(EditorInlineAccess, admin.TabularInline):
    model = models.ExerciseRelation
    fk_name = "from_exercise"
    extra = 0
    autocomplete_fields = ["to_exercise"]


@admin.register(models.Exercise)
class ExerciseAdmin(EditorExerciseAccess, CatalogVersionAdminMixin, SimpleHistoryAdmin):
    list_display = [
        "name", "slug", "difficulty", "technique", "assistance", "laterality", "body_region", "retired_at",
        "updated_at",
    ]  # fmt: skip
    list_filter = [
        "difficulty", "technique", "position", "assistance", "laterality", "body_region",
        ("retired_at", admin.EmptyFieldListFilter),
    ]  # fmt: skip
    search_fields = ["name", "slug", "summary", "description"]
    prepopulated_fields = {"slug": ["name"]}
    filter_horizontal = ["stop_signs", "contraindications"]
    readonly_fields = ["version", "source_hash", "created_at", "updated_at"]
    actions = ["retire_selected"]
    fieldsets = [
        (None, {"fields": ["name", "slug", "summary", "description"]}),
        (
            "Classification",
            {"fields": ["difficulty", "position", "technique", "assistance", "laterality", "body_region"]},
        ),
        (
            "Intensity and progression",
            {"fields": ["target_intensity_min", "target_intensity_max", "progression_rule", "progress_by_intensity"]},
        ),
        ("Safety", {"fields": ["stop_signs", "contraindications"]}),
        ("Timer and sources", {"fields": ["cues", "sources", "assumptions"]}),
        ("Retirement", {"fields": ["retired_at"]}),
        ("Record", {"fields": ["version", "source_hash", "created_at", "updated_at"], "classes": ["collapse"]}),
    ]
    inlines = [
        ExerciseMuscleInline,
        ExerciseEquipmentInline,
        ExerciseUseCaseInline,
        StepInline,
        DoseInline,
        PnfProtocolInline,
        TipInline,
        CommonMistakeInline,
        FaqEntryInline,
        ExerciseRelationInline,
    ]

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except ContentError as refused:
            # The save broke a catalog rule and was rolled back, inlines and all:
            # the same page again, as posted, with the problems on the form.
            request.catalog_content_problems = refused.issues
            return super().changeform_view(request, object_id, form_url, extra_context)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        problems = getattr(request, "catalog_content_problems", None)
        if not problems:
            return form

        class RefusedForm(form):
            def clean(self):
                cleaned_data = super().clean()
                for problem in problems:
                    if problem.field in self.fields:
                        self.add_error(problem.field, problem.message)
                    else:  # an inline's field, or the whole exercise
                        where = f"{problem.field}: " if problem.field else ""
                        self.add_error(None, where + problem.message)
                return cleaned_data

        return RefusedForm

    def save_model(self, request, obj, form, change):
        # A change is recorded once its inlines are saved too (save_related); a new
        # exercise keeps the creation record this save makes.
        if change:
            obj.skip_history_when_saving = True
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        exercise_edited_in_admin(
            exercise=form.instance,
            created=not change,
            retirement_changed="retired_at" in form.changed_data,
            by=request.user,
        )

    @admin.action(description="Retire selected exercises", permissions=["change"])
    def retire_selected(self, request, queryset):
        retired = 0
        for exercise in queryset.filter(retired_at__isnull=True):
            exercise_retire(exercise=exercise, by=request.user, via=choices.EditSource.ADMIN)
            retired += 1
        self.message_user(request, f"{retired} exercise(s) retired: gone from the public list, still readable by slug.")


class VocabularyAdmin(EditorVocabularyAccess, CatalogVersionAdminMixin, admin.ModelAdmin):
    list_display = ["name", "slug"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(models.Muscle)
class MuscleAdmin(VocabularyAdmin):
    list_display = ["name", "slug", "region"]
    list_filter = ["region"]


admin.site.register(models.BodyRegion, VocabularyAdmin)
admin.site.register(models.Equipment, VocabularyAdmin)


@admin.register(models.StopSign)
class StopSignAdmin(VocabularyAdmin):
    list_display = ["name", "slug", "severity"]
    list_filter = ["severity"]


admin.site.register(models.Contraindication, VocabularyAdmin)

admin.site.site_header = "StretchAPI administration"
admin.site.site_title = "StretchAPI"
