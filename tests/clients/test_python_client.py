"""The Python client (openapi-python-client), generated from the committed schema: `mypy --strict` over
the flow, anonymous operations on the plain `Client`, and the flow against a live server."""

from __future__ import annotations

from .conftest import BIN, PYTHON, python_client_lock, run


def _mypy(python_client, *files, check: bool = True):
    with python_client_lock():  # its cache beside the package is shared with a concurrent run
        return run(
            [str(BIN / "mypy"), "--strict", "--no-error-summary", "--cache-dir", str(python_client / ".mypy_cache"),
             *map(str, files)],
            PYTHON, env={"MYPYPATH": str(python_client)}, check=check,
        )  # fmt: skip


def test_the_flow_passes_mypy_strict_calling_anonymous_operations_with_the_plain_client(python_client):
    _mypy(python_client, PYTHON / "flow.py")


def test_operations_that_need_a_token_refuse_the_plain_client(python_client, tmp_path):
    """The check above can fail: mypy does refuse a plain `Client` where the schema asks for credentials."""
    misuse = tmp_path / "misuse.py"
    misuse.write_text(
        "from stretchapi_client import Client\n"
        "from stretchapi_client.api.accounts import auth_register, me_retrieve\n"
        "from stretchapi_client.api.sessions import session_list\n"
        "from stretchapi_client.models import RegisterRequest\n"
        'client = Client(base_url="http://127.0.0.1")\n'
        'auth_register.sync(client=client, body=RegisterRequest(email="a@example.com", password="p"))\n'
        "session_list.sync(client=client)\n"
        "me_retrieve.sync(client=client)\n"
    )

    done = _mypy(python_client, misuse, check=False)

    flagged = sorted({line.split(":")[1] for line in done.stdout.splitlines() if "error" in line})
    assert flagged == ["7", "8"], done.stdout
    assert 'incompatible type "Client"; expected "AuthenticatedClient"' in done.stdout


def test_no_generated_name_reads_twice(python_client):
    names = [path.stem for path in (python_client / "stretchapi_client" / "models").glob("*.py")]

    assert "token_request" in names and "paginated_exercise_summary_list" in names
    assert [name for name in names if name.endswith(("request_request", "list_list"))] == []
