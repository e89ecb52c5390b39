"""Turns domain errors into the API's error shapes (see shared/API.md)."""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from supportdesk.fsm import TransitionRefused


def exception_handler(exc, context):
    if isinstance(exc, TransitionRefused):
        request = context.get("request")
        record = exc.record
        allowed = record.allowed_transitions_for(request.user) if request is not None else []
        return Response(
            {"detail": exc.message, "status": record.status, "allowed_transitions": allowed},
            status=status.HTTP_409_CONFLICT,
        )
    if isinstance(exc, DjangoValidationError):
        errors = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        return Response(errors, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, DjangoPermissionDenied):
        return Response({"detail": str(exc) or "You do not have permission to perform this action."}, status=status.HTTP_403_FORBIDDEN)
    return drf_exception_handler(exc, context)
