"""Catalog API: read-only, public, cacheable (ETag keyed on the catalog version)."""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.filters import OrderingFilter, SearchFilter
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response

from catalog import selectors
from catalog.filters import ExerciseFilter
from stretchapi.api.conditional import VersionETagMixin

from . import serializers

SLUG_REGEX = r"[a-z0-9]+(?:-[a-z0-9]+)*"


class CatalogViewMixin(VersionETagMixin):
    """The catalog is public, and every catalog response follows the catalog version."""

    permission_classes = [AllowAny]

    def get_content_version(self) -> str:
        return str(selectors.catalog_version_number())


@extend_schema_view(
    list=extend_schema(operation_id="exercise_list", summary="List exercises", tags=["catalog"]),
    retrieve=extend_schema(operation_id="exercise_retrieve", summary="Everything about one exercise", tags=["catalog"]),
)
class ExerciseViewSet(CatalogViewMixin, viewsets.ReadOnlyModelViewSet):
    lookup_field = "slug"
    lookup_value_regex = SLUG_REGEX
    filterset_class = ExerciseFilter
    filter_backends = [*viewsets.ReadOnlyModelViewSet.filter_backends, SearchFilter, OrderingFilter]
    search_fields = ["name", "summary", "description"]
    ordering_fields = ["name", "slug", "difficulty", "updated_at"]
    ordering = ["name"]

    def get_queryset(self):
        if self.action == "list":
            return selectors.exercise_list()
        if self.action == "plan":
            return selectors.exercise_plan_source()
        return selectors.exercise_detail()

    def get_serializer_class(self):
        if self.action == "list":
            return serializers.ExerciseListSerializer
        if self.action == "plan":
            return serializers.ExercisePlanSerializer
        return serializers.ExerciseDetailSerializer

    @extend_schema(
        operation_id="exercise_plan",
        summary="The timer plan of one exercise for one goal",
        description=(
            "The timeline a mobile timer plays: for each side (left then right for per-side exercises, unless "
            "`side` is given) and each hold, the phases in order with their seconds and cues — for PNF: contract, "
            "relax, assisted hold, rest. The plan is the goal's starting dose (the low end of each range). "
            "A goal the exercise has no dose for is a 400 whose message lists the goals it has."
        ),
        parameters=[serializers.PlanQuerySerializer],
        tags=["catalog"],
    )
    @action(detail=True, methods=["get"], filter_backends=[], pagination_class=None)
    def plan(self, request: Request, slug: str) -> Response:
        exercise = get_object_or_404(self.get_queryset(), slug=slug)
        query = serializers.PlanQuerySerializer(data=request.query_params, context={"exercise": exercise})
        query.is_valid(raise_exception=True)
        dose = next(d for d in exercise.doses.all() if d.goal == query.validated_data["goal"])
        plan = selectors.exercise_plan(exercise=exercise, dose=dose, side=query.validated_data.get("side"))
        return Response(serializers.ExercisePlanSerializer(plan).data)


class VocabularyViewSet(CatalogViewMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    """A read-only, unpaginated list of one catalog vocabulary (a few dozen rows at most)."""

    pagination_class = None
    filter_backends = []


def _list_schema(name: str, summary: str):
    return extend_schema_view(list=extend_schema(operation_id=f"{name}_list", summary=summary, tags=["catalog"]))


@_list_schema("body_region", "List body regions")
class BodyRegionViewSet(VocabularyViewSet):
    queryset = selectors.body_region_list()
    serializer_class = serializers.BodyRegionSerializer


@_list_schema("muscle", "List muscles")
class MuscleViewSet(VocabularyViewSet):
    queryset = selectors.muscle_list()
    serializer_class = serializers.MuscleSerializer


@_list_schema("equipment", "List equipment")
class EquipmentViewSet(VocabularyViewSet):
    queryset = selectors.equipment_list()
    serializer_class = serializers.EquipmentSerializer


@_list_schema("stop_sign", "List stop signs")
class StopSignViewSet(VocabularyViewSet):
    queryset = selectors.stop_sign_list()
    serializer_class = serializers.StopSignSerializer


@_list_schema("contraindication", "List contraindications")
class ContraindicationViewSet(VocabularyViewSet):
    queryset = selectors.contraindication_list()
    serializer_class = serializers.ContraindicationSerializer
