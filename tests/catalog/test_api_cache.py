"""Catalog reads answered from the cache keyed on the catalog version, and how an edit reaches them."""

import json
from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.core.cache import caches
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.http import HttpResponseBase
from django.test import RequestFactory
from django.utils import timezone

from catalog.api.front_cache import CatalogCacheApp
from catalog.models import CatalogVersion, Exercise
from catalog.selectors import VERSION_KEY
from stretchapi.wsgi import application, django_application
from tests.conftest import bearer_client

pytestmark = pytest.mark.django_db

LIST = "/api/v1/exercises/"
READS = [
    LIST,
    f"{LIST}?page_size=5&ordering=-name",
    f"{LIST}pnf-hamstring-stretch/",
    f"{LIST}leg-swings/plan/?goal=mobility_warm_up",
    "/api/v1/muscles/",
]


@pytest.fixture
def as_editor(make_user):
    editor = make_user("editor@example.com", role="trainer")
    editor.groups.add(Group.objects.get(name="Catalog editors"))
    return bearer_client(editor)


@pytest.mark.parametrize("path", READS)
def test_a_repeated_read_is_answered_from_the_cache_without_a_query(api_client, path, django_assert_num_queries):
    first = api_client.get(path)

    with django_assert_num_queries(0):
        again = api_client.get(path)

    assert first.status_code == again.status_code == 200
    assert again.content == first.content
    assert again["ETag"] == first["ETag"]
    assert again["Content-Type"] == "application/json"
    assert again["Cache-Control"] == "public, no-cache"


@pytest.mark.parametrize("path", READS)
def test_a_revalidation_costs_no_query_while_the_version_is_remembered(api_client, path, django_assert_num_queries):
    etag = api_client.get(path)["ETag"]

    with django_assert_num_queries(0):
        response = api_client.get(path, HTTP_IF_NONE_MATCH=etag)

    assert response.status_code == 304
    assert response.content == b""
    assert response["ETag"] == etag


@pytest.mark.parametrize("page_size", [5, 100])
def test_without_the_version_memory_a_cached_read_or_revalidation_costs_one_query(
    api_client, settings, django_assert_num_queries, page_size
):
    settings.CATALOG_VERSION_CACHE_SECONDS = 0
    first = api_client.get(LIST, {"page_size": page_size})

    with django_assert_num_queries(1):  # the version
        again = api_client.get(LIST, {"page_size": page_size})
    with django_assert_num_queries(1):
        revalidated = api_client.get(LIST, {"page_size": page_size}, HTTP_IF_NONE_MATCH=first["ETag"])

    assert again.content == first.content
    assert revalidated.status_code == 304


def test_an_api_edit_shows_in_the_list_and_the_detail_at_once(api_client, as_editor):
    detail = f"{LIST}leg-swings/"
    old_list, old_detail = api_client.get(LIST, {"page_size": 100}), api_client.get(detail)

    edited = as_editor.patch(
        detail, {"summary": "Swing one leg like a pendulum."}, format="json", HTTP_IF_MATCH=old_detail["ETag"]
    )
    new_list = api_client.get(LIST, {"page_size": 100}, HTTP_IF_NONE_MATCH=old_list["ETag"])
    new_detail = api_client.get(detail, HTTP_IF_NONE_MATCH=old_detail["ETag"])

    assert edited.status_code == 200
    assert new_list.status_code == new_detail.status_code == 200
    summaries = {item["slug"]: item["summary"] for item in new_list.json()["results"]}
    assert summaries["leg-swings"] == "Swing one leg like a pendulum."
    assert new_detail.json()["summary"] == "Swing one leg like a pendulum."
    assert new_detail["ETag"] == edited["ETag"]
    assert new_list["ETag"] != old_list["ETag"]


def test_a_retired_exercise_leaves_the_cached_list_at_once(api_client, as_editor):
    before = api_client.get(LIST, {"page_size": 100}).json()["results"]

    as_editor.post(f"{LIST}leg-swings/retire/")
    after = api_client.get(LIST, {"page_size": 100}).json()["results"]

    assert "leg-swings" in {item["slug"] for item in before}
    assert {item["slug"] for item in after} == {item["slug"] for item in before} - {"leg-swings"}


def test_an_edit_from_another_process_shows_once_the_remembered_version_expires(api_client):
    etag = api_client.get(LIST)["ETag"]
    # What another process's edit leaves here: new rows and version, and this process's memory untouched.
    Exercise.objects.filter(slug="leg-swings").update(summary="Edited elsewhere.")
    CatalogVersion.objects.filter(id=1).update(number=CatalogVersion.objects.get(id=1).number + 1)

    within_the_bound = api_client.get(LIST, HTTP_IF_NONE_MATCH=etag)
    caches["catalog"].delete(VERSION_KEY)  # what CATALOG_VERSION_CACHE_SECONDS later brings
    after_it = api_client.get(LIST, HTTP_IF_NONE_MATCH=etag)
    listed = api_client.get(LIST, {"page_size": 100}).json()["results"]

    assert within_the_bound.status_code == 304
    assert after_it.status_code == 200
    assert after_it["ETag"] != etag
    assert {item["slug"]: item["summary"] for item in listed}["leg-swings"] == "Edited elsewhere."


def test_with_the_version_memory_off_an_edit_from_another_process_shows_at_once(api_client, settings):
    settings.CATALOG_VERSION_CACHE_SECONDS = 0
    etag = api_client.get(LIST)["ETag"]

    CatalogVersion.objects.filter(id=1).update(number=CatalogVersion.objects.get(id=1).number + 1)
    response = api_client.get(LIST, HTTP_IF_NONE_MATCH=etag)

    assert response.status_code == 200
    assert response["ETag"] != etag


def test_each_host_gets_its_own_links(api_client):
    api_client.get(LIST, {"page_size": 5}, HTTP_HOST="localhost")

    response = api_client.get(LIST, {"page_size": 5}, HTTP_HOST="127.0.0.1")

    assert response.json()["next"].startswith("http://127.0.0.1/")


def test_the_browsable_api_is_not_served_the_cached_json(api_client):
    api_client.get(LIST, HTTP_ACCEPT="application/json")

    response = api_client.get(LIST, HTTP_ACCEPT="text/html")

    assert response["Content-Type"].startswith("text/html")


def test_an_error_is_not_kept(api_client, django_assert_num_queries):
    assert api_client.get(f"{LIST}no-such-stretch/").status_code == 404

    with django_assert_num_queries(1):  # looked up again
        again = api_client.get(f"{LIST}no-such-stretch/")

    assert again.status_code == 404
    assert again["Content-Type"] == "application/problem+json"


# In front of Django: catalog/api/front_cache.py, as gunicorn calls it ------------------------


@dataclass
class WsgiAnswer:
    status: int
    headers: dict[str, str]
    content: bytes
    by_django: bool  # False when the kept copy answered, in front of the whole stack


def wsgi_get(path: str, app=application, **environ) -> WsgiAnswer:
    """A GET through `stretchapi.wsgi.application`, the callable gunicorn serves.

    As Django's test client does, the request signals leave the test's
    database connection (and its transaction) alone."""
    sent = {}

    def start_response(status, headers, exc_info=None):
        sent.update(status=int(status[:3]), headers=dict(headers))

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        answer = app(RequestFactory().get(path, **environ).environ, start_response)
        content = b"".join(answer)
        if hasattr(answer, "close"):
            answer.close()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)
    return WsgiAnswer(sent["status"], sent["headers"], content, by_django=isinstance(answer, HttpResponseBase))


def without_request_id(headers: dict[str, str]) -> dict[str, str]:
    """Every answer has its own X-Request-ID, a replayed one too."""
    return {name: value for name, value in headers.items() if name != "X-Request-ID"}


def test_gunicorn_serves_django_behind_the_catalog_cache():
    assert isinstance(application, CatalogCacheApp)
    assert application.application is django_application


@pytest.mark.parametrize("path", READS)
def test_an_anonymous_repeat_is_answered_in_front_of_django_as_django_answered(
    path, make_user, django_assert_num_queries
):
    first = wsgi_get(path)

    with django_assert_num_queries(0):
        again = wsgi_get(path)
    signed_in = wsgi_get(
        path, HTTP_AUTHORIZATION=bearer_client(make_user("reader@example.com"))._credentials["HTTP_AUTHORIZATION"]
    )

    assert (first.status, first.by_django) == (200, True)
    assert (again.status, again.by_django) == (200, False)
    assert (signed_in.status, signed_in.by_django) == (200, True)
    assert again.content == first.content == signed_in.content
    assert without_request_id(again.headers) == without_request_id(first.headers)
    assert again.headers["X-Request-ID"] != first.headers["X-Request-ID"]
    assert int(again.headers["Content-Length"]) == len(again.content)


def test_an_anonymous_revalidation_is_answered_in_front_of_django_without_a_query(django_assert_num_queries):
    etag = wsgi_get(LIST).headers["ETag"]

    with django_assert_num_queries(0):
        response = wsgi_get(LIST, HTTP_IF_NONE_MATCH=etag)

    assert (response.status, response.by_django, response.content) == (304, False, b"")
    # What RFC 9110 asks a 304 to repeat of its 200, and nothing of the body.
    assert set(response.headers) == {"ETag", "Cache-Control", "Vary", "X-Request-ID"}
    assert (response.headers["ETag"], response.headers["Cache-Control"]) == (etag, "public, no-cache")
    assert "Accept" in response.headers["Vary"]


def test_a_revalidation_that_names_another_etag_gets_the_kept_body():
    first = wsgi_get(LIST)

    response = wsgi_get(LIST, HTTP_IF_NONE_MATCH='"v0-json"')

    assert (response.status, response.by_django) == (200, False)
    assert response.content == first.content


def test_revalidations_alone_reach_the_copy_in_front_of_django(make_user):
    etag = bearer_client(make_user("reader@example.com")).get(LIST)["ETag"]  # kept by the view, for a signed-in read

    first = wsgi_get(LIST, HTTP_IF_NONE_MATCH=etag)
    second = wsgi_get(LIST, HTTP_IF_NONE_MATCH=etag)

    assert (first.status, first.by_django) == (304, True)
    assert (second.status, second.by_django) == (304, False)


def test_a_bad_token_is_refused_even_when_the_answer_is_kept():
    wsgi_get(LIST)
    wsgi_get(LIST)

    response = wsgi_get(LIST, HTTP_AUTHORIZATION="Bearer not-a-token")

    assert (response.status, response.by_django) == (401, True)


def authorization(user) -> str:
    return bearer_client(user)._credentials["HTTP_AUTHORIZATION"]


@pytest.mark.parametrize("path", [LIST, f"{LIST}pnf-hamstring-stretch/", "/api/v1/muscles/"])
def test_a_signed_in_repeat_is_answered_in_front_of_django_after_one_query_for_the_token(
    path, make_user, django_assert_num_queries
):
    header = authorization(make_user("reader@example.com"))
    first = wsgi_get(path, HTTP_AUTHORIZATION=header)

    with django_assert_num_queries(1) as captured:
        again = wsgi_get(path, HTTP_AUTHORIZATION=header)

    assert "token_key" in captured.captured_queries[0]["sql"]
    assert (first.status, first.by_django) == (200, True)
    assert (again.status, again.by_django) == (200, False)
    assert again.content == first.content
    assert without_request_id(again.headers) == without_request_id(first.headers)


def test_a_signed_in_revalidation_is_answered_in_front_of_django(make_user):
    header = authorization(make_user("reader@example.com"))
    etag = wsgi_get(LIST, HTTP_AUTHORIZATION=header).headers["ETag"]

    response = wsgi_get(LIST, HTTP_AUTHORIZATION=header, HTTP_IF_NONE_MATCH=etag)

    assert (response.status, response.by_django, response.content) == (304, False, b"")


def test_answers_to_signed_in_and_anonymous_callers_are_kept_apart(make_user):
    header = authorization(make_user("reader@example.com"))
    wsgi_get(LIST, HTTP_AUTHORIZATION=header)
    wsgi_get(LIST, HTTP_AUTHORIZATION=header)

    anonymous = wsgi_get(LIST)
    wsgi_get(LIST)
    signed_in = wsgi_get(LIST, HTTP_AUTHORIZATION=authorization(make_user("other@example.com")))

    assert (anonymous.status, anonymous.by_django) == (200, True)  # its first time, whatever a token read kept
    assert (signed_in.status, signed_in.by_django) == (200, False)  # another good token: the signed-in copy


def test_a_personal_plan_is_never_replayed_to_a_signed_in_caller(make_user):
    plan = f"{LIST}leg-swings/plan/?goal=mobility_warm_up"
    header = authorization(make_user("reader@example.com"))

    answers = [wsgi_get(plan, HTTP_AUTHORIZATION=header) for _ in range(3)]

    assert [(a.status, a.by_django) for a in answers] == [(200, True)] * 3


@pytest.mark.parametrize(
    "spoil",
    [
        pytest.param(
            lambda user: user.auth_token_set.update(expiry=timezone.now() - timedelta(seconds=1)), id="expired"
        ),
        pytest.param(lambda user: type(user).objects.filter(pk=user.pk).update(is_active=False), id="inactive"),
        pytest.param(lambda user: user.auth_token_set.all().delete(), id="signed-out"),
    ],
)
def test_a_token_refused_by_the_api_is_refused_even_when_the_signed_in_answer_is_kept(make_user, spoil):
    reader = make_user("reader@example.com")
    header = authorization(reader)
    wsgi_get(LIST, HTTP_AUTHORIZATION=header)
    assert wsgi_get(LIST, HTTP_AUTHORIZATION=header).by_django is False

    spoil(reader)
    response = wsgi_get(LIST, HTTP_AUTHORIZATION=header)

    assert (response.status, response.by_django) == (401, True)
    assert response.headers["Content-Type"] == "application/problem+json"


def test_an_expired_token_is_deleted_as_the_api_deletes_it(make_user):
    reader = make_user("reader@example.com")
    header = authorization(reader)
    wsgi_get(LIST, HTTP_AUTHORIZATION=header)
    reader.auth_token_set.update(expiry=timezone.now() - timedelta(seconds=1))

    wsgi_get(LIST, HTTP_AUTHORIZATION=header)

    assert not reader.auth_token_set.exists()


@pytest.mark.parametrize("form", ["Bearer  {token}", "Bearer {token} extra", "Token {token}", "Bearer {token}\t"])
def test_any_other_form_of_the_header_goes_to_django(make_user, form):
    token = authorization(make_user("reader@example.com")).split()[1]
    header = authorization(make_user("other@example.com"))
    wsgi_get(LIST, HTTP_AUTHORIZATION=header)
    wsgi_get(LIST, HTTP_AUTHORIZATION=header)

    response = wsgi_get(LIST, HTTP_AUTHORIZATION=form.format(token=token))

    assert response.by_django


def test_with_tokens_renewed_on_use_signed_in_reads_go_to_django(make_user, settings):
    settings.REST_KNOX = {**settings.REST_KNOX, "AUTO_REFRESH": True}
    header = authorization(make_user("reader@example.com"))

    answers = [wsgi_get(LIST, HTTP_AUTHORIZATION=header) for _ in range(2)]

    assert [(a.status, a.by_django) for a in answers] == [(200, True)] * 2


def test_a_session_cookie_goes_to_django():
    wsgi_get(LIST)

    response = wsgi_get(LIST, HTTP_COOKIE="sessionid=whatever")

    assert (response.status, response.by_django) == (200, True)


def test_each_accept_header_is_kept_apart():
    wsgi_get(LIST, HTTP_ACCEPT="application/json")
    wsgi_get(LIST, HTTP_ACCEPT="application/json")

    response = wsgi_get(LIST, HTTP_ACCEPT="text/html")

    assert response.headers["Content-Type"].startswith("text/html")
    assert response.by_django


@pytest.mark.parametrize(
    "path, environ, status",
    [
        (LIST, {"HTTP_HOST": "evil.example"}, 400),  # not in ALLOWED_HOSTS
        (f"{LIST}?ordering=nonsense", {}, 400),
        (f"{LIST}no-such-stretch/", {}, 404),
    ],
)
def test_an_error_is_never_kept_in_front_of_django(path, environ, status):
    first = wsgi_get(path, **environ)
    again = wsgi_get(path, **environ)

    assert (first.status, again.status) == (status, status)
    assert first.by_django and again.by_django
    assert again.headers["Content-Type"] == "application/problem+json"


def test_the_https_redirect_is_kept_apart_from_the_https_answer(settings):
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    app = CatalogCacheApp(WSGIHandler())  # the security middleware reads its settings when it is made
    wsgi_get(LIST, app, HTTP_X_FORWARDED_PROTO="https")
    kept = wsgi_get(LIST, app, HTTP_X_FORWARDED_PROTO="https")

    plain = wsgi_get(LIST, app)

    assert (kept.status, kept.by_django) == (200, False)
    assert (plain.status, plain.by_django) == (301, True)
    assert plain.headers["Location"] == f"https://testserver{LIST}"


def test_an_edit_moves_the_copy_in_front_of_django_at_once(as_editor):
    detail = f"{LIST}leg-swings/"
    old = wsgi_get(detail)
    wsgi_get(detail)

    edited = as_editor.patch(detail, {"summary": "Swing one leg, then the other."}, format="json",
                             HTTP_IF_MATCH=old.headers["ETag"])  # fmt: skip
    new = wsgi_get(detail, HTTP_IF_NONE_MATCH=old.headers["ETag"])
    again = wsgi_get(detail, HTTP_IF_NONE_MATCH=edited["ETag"])

    assert edited.status_code == 200
    assert (new.status, new.by_django) == (200, True)
    assert json.loads(new.content)["summary"] == "Swing one leg, then the other."
    assert (again.status, again.by_django) == (304, False)


class FailingEntries:
    """The catalog cache as a shared cache that fails for the entries kept in front of Django."""

    def __init__(self, cache):
        self.cache = cache

    def __getattr__(self, name):
        return getattr(self.cache, name)

    def get(self, key, *args, **kwargs):
        if key.startswith("wsgi-response:"):
            raise ConnectionError("cache server gone")
        return self.cache.get(key, *args, **kwargs)

    def set(self, key, *args, **kwargs):
        if key.startswith("wsgi-response:"):
            raise ConnectionError("cache server gone")
        return self.cache.set(key, *args, **kwargs)


def test_a_failing_cache_in_front_of_django_leaves_the_request_to_the_stack(monkeypatch, caplog):
    expected = wsgi_get(LIST)
    failing = FailingEntries(caches["catalog"])
    monkeypatch.setattr("catalog.api.front_cache.caches", {"catalog": failing})

    first = wsgi_get(LIST)
    again = wsgi_get(LIST, HTTP_IF_NONE_MATCH=expected.headers["ETag"])

    assert (first.status, first.by_django, first.content) == (200, True, expected.content)
    assert (again.status, again.by_django) == (304, True)
    assert "The catalog cache failed in front of Django" in caplog.text
