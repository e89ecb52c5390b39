from rest_framework.permissions import BasePermission


class IsSupportStaff(BasePermission):
    message = "Only support staff may see this."

    def has_permission(self, request, view):
        return bool(request.user and request.user.is_authenticated and request.user.is_support_staff)
