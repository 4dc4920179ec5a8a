"""`/progress/`: one's own progress on an exercise (the trainer's view of a client's is in `trainer`)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import exceptions
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request
from rest_framework.response import Response

from sessions.progress import selectors

from .schema import TAG_SESSIONS
from .serializers.documents import progress_document
from .serializers.progress import ProgressQuerySerializer, ProgressSerializer


class ProgressView(GenericAPIView):
    serializer_class = ProgressSerializer

    @extend_schema(
        operation_id="progress_retrieve",
        summary="My progress on one exercise, per side, with the next step",
        tags=[TAG_SESSIONS],
        parameters=[ProgressQuerySerializer],
    )
    def get(self, request: Request) -> Response:
        return self.progress_response(request, owner=request.user)

    def progress_response(self, request: Request, *, owner) -> Response:
        query = ProgressQuerySerializer(data=request.query_params.dict())
        query.is_valid(raise_exception=True)
        exercise, doses = selectors.exercise_with_doses(slug=query.validated_data["exercise"])
        if exercise is None:
            raise exceptions.ValidationError(
                {"exercise": [exceptions.ErrorDetail("Unknown exercise.", code="invalid_choice")]}
            )
        result = selectors.progress(owner=owner, exercise=exercise, doses=doses, goal=query.validated_data.get("goal"))
        return Response(progress_document(result))  # what ProgressSerializer shows, written out
