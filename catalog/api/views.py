"""Catalog API: public, cacheable reads (ETag keyed on the catalog version), and editing for catalog editors."""

import functools
import hashlib

from django.shortcuts import get_object_or_404
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import generics, mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.filters import SearchFilter
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response

from catalog import selectors, services
from catalog.models import Exercise
from stretchapi.api.conditional import VersionETagMixin
from stretchapi.api.filtering import SkipsIdleFilters
from stretchapi.filters import StrictOrderingFilter

from . import documents, serializers
from .filters import ExerciseFilter
from .front_cache import VERSION_ENVIRON_KEY
from .pagination import ExerciseListPagination
from .permissions import CanEditCatalog, CanReadCatalogHistory

SLUG_REGEX = r"[a-z0-9]+(?:-[a-z0-9]+)*"
TAG_EDITING = "catalog-editing"
EDIT_ACTIONS = {"create", "partial_update", "retire"}

IF_MATCH_PARAMETER = OpenApiParameter(
    "If-Match",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=True,
    description=(
        "The ETag of the exercise as you last read it (from its detail, or from the answer to your last write). "
        "Without it: 428 `precondition_required`. When the exercise changed since: 412 `stale_write`."
    ),
)
ETAG_HEADER = OpenApiParameter(
    "ETag",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    response=[200, 201],
    description="The exercise's new ETag: send it in If-Match to change the exercise again.",
)
FORBIDDEN = OpenApiResponse(description="Signed in without the 'Can edit the catalog' permission.")


class CatalogViewMixin(VersionETagMixin):
    """The catalog is public, and every catalog response follows the catalog version.

    Reads are answered from the catalog cache while the version stands (see
    stretchapi/api/conditional.py): a repeated read or a revalidation costs
    no query while the process remembers the version, one when it asks again
    (`CATALOG_VERSION_CACHE_SECONDS`).
    """

    permission_classes = [AllowAny]
    response_cache = "catalog"
    catalog_version: int | None = None  # read once per request: the cache key and the ETag agree

    def get_content_version(self) -> str:
        if self.catalog_version is None:  # the one CatalogCacheApp read in front of Django, if it did
            version = self.request.META.get(VERSION_ENVIRON_KEY)
            self.catalog_version = selectors.catalog_version_recent() if version is None else version
        return str(self.catalog_version)

    def list(self, request: Request, *args, **kwargs) -> Response:
        return self.respond(request, functools.partial(super().list, request, *args, **kwargs))


@extend_schema_view(
    list=extend_schema(operation_id="exercise_list", summary="List exercises", tags=["catalog"]),
    retrieve=extend_schema(
        operation_id="exercise_retrieve",
        summary="Everything about one exercise",
        description=(
            "Retired exercises (`retired_at` set) are left out of the list but answer here. "
            "The ETag follows both the catalog and this exercise: use it for conditional GET, "
            "and send it in If-Match to change the exercise."
        ),
        tags=["catalog"],
    ),
)
class ExerciseViewSet(
    SkipsIdleFilters, CatalogViewMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Exercises: anyone reads them; catalog editors create, change and retire them.

    The detail's ETag is `"v<catalog version>.e<id>-<exercise version>-<format>"`:
    the catalog part keeps conditional GET right when a name it shows changes
    elsewhere (a muscle, a related exercise); the exercise part is what
    If-Match checks, so an edit is stale only when this exercise changed.
    """

    lookup_field = "slug"
    lookup_value_regex = SLUG_REGEX
    filterset_class = ExerciseFilter
    filter_backends = [*viewsets.GenericViewSet.filter_backends, SearchFilter, StrictOrderingFilter]
    search_fields = ["name", "summary", "description"]
    ordering_fields = ["name", "slug", "difficulty", "updated_at"]
    ordering = ["name"]
    pagination_class = ExerciseListPagination
    etag_exercise: Exercise | None = None
    personal = False  # a plan for a signed-in caller: never read from nor kept in the shared caches
    warnings_tag = ""  # in the ETag of a plan with warnings, so that it changes with them

    def get_permissions(self):
        if self.action in EDIT_ACTIONS:
            return [CanEditCatalog()]
        return super().get_permissions()

    def get_queryset(self):
        if self.action == "list":
            return selectors.exercise_list_values()
        if self.action == "plan":
            return selectors.exercise_plan_source()
        if self.action in EDIT_ACTIONS:
            return Exercise.objects.all()
        return selectors.exercise_detail_rows()

    def filter_queryset(self, queryset):
        # The list's filters narrow what is listed; they must not turn a read of one exercise by its
        # slug (the schema gives the detail no filter) or a write into a 404. Building the filter
        # set for nothing also cost the detail a fifth of its CPU.
        if self.action in EDIT_ACTIONS or self.action == "retrieve":
            return queryset
        return super().filter_queryset(queryset)

    def get_serializer_class(self):
        if self.action == "list":
            return serializers.ExerciseListSerializer
        if self.action == "plan":
            return serializers.ExercisePlanAnswerSerializer
        return serializers.ExerciseDetailSerializer

    def get_content_version(self) -> str:
        version = super().get_content_version()
        if self.warnings_tag:
            version = f"{version}.w{self.warnings_tag}"
        return f"{version}.{self.etag_exercise.tag}" if self.etag_exercise is not None else version

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        if self.action == "plan":
            # The plan answers a signed-in client with their own warnings: caches must key on who asks.
            response["Vary"] = "Accept, Authorization, Cookie"
            if self.personal and response.has_header("Cache-Control"):
                response["Cache-Control"] = "private, no-cache"
        return response

    def list(self, request: Request, *args, **kwargs) -> Response:
        return self.respond(request, self._list)

    def _list(self) -> Response:
        """`ListModelMixin.list`, with each item built by `documents` (the serializer's schema, not its CPU)."""
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response([documents.exercise_list_item(row) for row in page])

    def retrieve(self, request: Request, *args, **kwargs) -> Response:
        return self.respond(request, self._retrieve)

    def _retrieve(self) -> Response:
        self.etag_exercise = self.get_object()
        return Response(documents.exercise_document(self.etag_exercise))

    def _written(self, request: Request, exercise: Exercise, status_code: int = status.HTTP_200_OK) -> Response:
        """The exercise as it now is, with the ETag a GET of it would carry."""
        self.catalog_version = selectors.catalog_version_number()  # this write's, not a remembered one
        self.etag_exercise = selectors.exercise_detail().get(pk=exercise.pk)
        headers = {"ETag": f'"v{self.get_content_version()}-{request.accepted_renderer.format}"'}
        if status_code == status.HTTP_201_CREATED:
            headers["Location"] = request.build_absolute_uri(
                reverse("exercise-detail", kwargs={"slug": self.etag_exercise.slug})
            )
        return Response(serializers.ExerciseDetailSerializer(self.etag_exercise).data, status_code, headers=headers)

    @extend_schema(
        operation_id="exercise_create",
        summary="Add an exercise",
        description=(
            "The body is an exercise in the shape of its data file (catalog/data/README.md) as JSON, checked by the "
            "rules `load_catalog` applies: known vocabulary slugs, min ≤ max, intensity caps within the target, "
            "a PNF block exactly for PNF exercises, related exercises that exist, a slug not yet taken. "
            "Each problem is a 400 `errors` entry naming its field path (`doses[0].hold_seconds`); nothing is stored."
        ),
        tags=[TAG_EDITING],
        request=serializers.ExerciseWriteSerializer,
        parameters=[ETAG_HEADER],
        responses={201: serializers.ExerciseDetailSerializer, 403: FORBIDDEN},
    )
    def create(self, request: Request) -> Response:
        body = serializers.ExerciseWriteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        exercise = services.exercise_create(content=body.validated_data, by=request.user)
        return self._written(request, exercise, status.HTTP_201_CREATED)

    @extend_schema(
        operation_id="exercise_update",
        summary="Change an exercise",
        description=(
            "A JSON merge patch (RFC 7396) of the exercise's content in its data-file shape: top-level keys you "
            "send replace the stored ones, mappings (`equipment`, `target_intensity`, `pnf`, `cues`) merge key by "
            "key, lists replace whole, and `null` removes. The result is checked whole, by the rules of "
            "`exercise_create`; the slug cannot change. Needs the exercise's current ETag in If-Match."
        ),
        tags=[TAG_EDITING],
        request=serializers.ExerciseWriteSerializer,
        parameters=[IF_MATCH_PARAMETER, ETAG_HEADER],
        responses={
            200: serializers.ExerciseDetailSerializer,
            403: FORBIDDEN,
            412: OpenApiResponse(description="The exercise changed since its ETag was read (`stale_write`)."),
            428: OpenApiResponse(description="If-Match is missing (`precondition_required`)."),
        },
    )
    def partial_update(self, request: Request, slug: str) -> Response:
        exercise = self.get_object()
        body = serializers.ExerciseWriteSerializer(data=request.data, partial=True)
        body.is_valid(raise_exception=True)
        exercise = services.exercise_update(
            exercise=exercise,
            changes=body.validated_data,
            if_match=request.headers.get("If-Match"),
            by=request.user,
        )
        return self._written(request, exercise)

    @extend_schema(
        operation_id="exercise_retire",
        summary="Retire an exercise",
        description=(
            "The exercise leaves the public list for good, but its detail and plan keep answering: logged sessions "
            "and phones that know it still refer to it. Retiring a retired exercise changes nothing."
        ),
        tags=[TAG_EDITING],
        request=None,
        parameters=[ETAG_HEADER],
        responses={200: serializers.ExerciseDetailSerializer, 403: FORBIDDEN},
    )
    @action(detail=True, methods=["post"], filter_backends=[], pagination_class=None)
    def retire(self, request: Request, slug: str) -> Response:
        exercise = services.exercise_retire(exercise=self.get_object(), by=request.user)
        return self._written(request, exercise)

    @extend_schema(
        operation_id="exercise_plan",
        summary="The timer plan of one exercise for one goal",
        description=(
            "The timeline a mobile timer plays: for each side (left then right for per-side exercises, unless "
            "`side` is given) and each hold, the phases in order with their seconds and cues — for PNF: contract, "
            "relax, assisted hold, rest. The plan is the goal's starting dose (the low end of each range). "
            "A goal the exercise has no dose for is a 400 whose message lists the goals it has. "
            "Called with a client's token, `warnings` lists each contraindication of the exercise the client has "
            "recorded (`/api/v1/me/health/`); such answers are private (`Cache-Control: private`) and never come "
            "from the shared catalog cache. Anonymous callers get `warnings: []`."
        ),
        parameters=[serializers.PlanQuerySerializer],
        tags=["catalog"],
    )
    @action(detail=True, methods=["get"], filter_backends=[], pagination_class=None)
    def plan(self, request: Request, slug: str) -> Response:
        if request.user.is_authenticated:  # the answer depends on who asks: the URL-keyed cache must not see it
            self.personal = True
            return self._plan(request, slug)
        return self.respond(request, functools.partial(self._plan, request, slug))

    def _plan(self, request: Request, slug: str) -> Response:
        exercise = get_object_or_404(self.get_queryset(), slug=slug)
        query = serializers.PlanQuerySerializer(data=request.query_params, context={"exercise": exercise})
        query.is_valid(raise_exception=True)
        dose = next(d for d in exercise.doses.all() if d.goal == query.validated_data["goal"])
        plan = selectors.exercise_plan(exercise=exercise, dose=dose, side=query.validated_data.get("side"))
        plan["warnings"] = selectors.plan_warnings(user=request.user, exercise=exercise) if self.personal else []
        if plan["warnings"]:
            slugs = ",".join(warning["contraindication"] for warning in plan["warnings"])
            self.warnings_tag = hashlib.sha256(slugs.encode()).hexdigest()[:12]
        return Response(serializers.ExercisePlanAnswerSerializer(plan).data)


@extend_schema_view(
    get=extend_schema(
        operation_id="exercise_history",
        summary="Every recorded change of an exercise",
        description=(
            "Newest first: who changed the exercise (null for load_catalog), when, through what, and what changed — "
            "its own fields, and the top-level keys of its content (`doses`, `steps`, …). For catalog editors, and "
            "staff who may view exercises."
        ),
        tags=[TAG_EDITING],
        responses={200: serializers.ExerciseHistoryEntrySerializer(many=True), 403: FORBIDDEN},
    )
)
class ExerciseHistoryView(generics.ListAPIView):
    """An exercise's history; private (no catalog ETag, no public caching)."""

    permission_classes = [CanReadCatalogHistory]
    serializer_class = serializers.ExerciseHistoryEntrySerializer
    filter_backends: list = []

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation
            return Exercise.history.none()
        return selectors.exercise_history(exercise=get_object_or_404(Exercise, slug=self.kwargs["slug"]))

    def list(self, request: Request, *args, **kwargs) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        entries = selectors.exercise_history_entries(list(page))
        return self.get_paginated_response(self.get_serializer(entries, many=True).data)


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
