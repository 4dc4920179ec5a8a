"""Who may edit the catalog through the API.

Editing is one Django permission, `catalog.edit_catalog` ("Can edit the
catalog", declared on `Exercise.Meta`), rather than DRF's
`DjangoModelPermissions` over `add_exercise`/`change_exercise`: one exercise
write replaces rows of a dozen models (steps, doses, PNF protocol, links…),
and the right to change what clients are told to do with their bodies is one
decision, not a dozen. Superusers hold every permission; anyone else needs a
grant, usually through the "Catalog editors" group (migration 0003).

`is_staff` grants nothing here: it only means "may sign in to the admin",
which trainers may do too. The history is for editors, and for whoever may
view exercises in the admin (`catalog.view_exercise`), where the same history
is shown.
"""

from rest_framework.permissions import BasePermission

EDIT_CATALOG = "catalog.edit_catalog"
VIEW_EXERCISE = "catalog.view_exercise"


def can_edit_catalog(user) -> bool:
    return bool(user and user.is_authenticated and user.has_perm(EDIT_CATALOG))


class CanEditCatalog(BasePermission):
    message = "Editing the catalog needs the 'Can edit the catalog' permission (the Catalog editors group)."

    def has_permission(self, request, view) -> bool:
        return can_edit_catalog(request.user)


class CanReadCatalogHistory(BasePermission):
    message = "The catalog's history is for catalog editors and for staff who may view exercises."

    def has_permission(self, request, view) -> bool:
        user = request.user
        return can_edit_catalog(user) or bool(user and user.is_authenticated and user.has_perm(VIEW_EXERCISE))
