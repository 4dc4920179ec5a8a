"""Who may use which endpoints: the role checks of `sessions.access`, as DRF permissions."""

from __future__ import annotations

from rest_framework.permissions import BasePermission

from sessions import access
from sessions.exports.services import export_audience


class IsTrainerOrStaff(BasePermission):
    message = "Only trainer and staff accounts may use the trainer endpoints."

    def has_permission(self, request, view) -> bool:
        return access.is_trainer_or_staff(request.user)


class IsTrainer(BasePermission):
    message = "Only trainer accounts may invite clients."

    def has_permission(self, request, view) -> bool:
        return access.is_trainer(request.user)


class CanExport(BasePermission):
    message = "Exports are open to analysts (staff in the Analysts group) and trainers."

    def has_permission(self, request, view) -> bool:
        return export_audience(request.user) is not None
