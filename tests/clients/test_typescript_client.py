"""The TypeScript client (openapi-typescript + openapi-fetch), generated from the committed schema, compiles
under `tsc --strict` with the flow and the upload corpus, and runs the flow against a live server."""

from __future__ import annotations

import re

from .conftest import needs_node, printed

pytestmark = needs_node


def test_the_flow_and_every_corpus_upload_compile_under_strict_typescript(typescript_build):
    assert typescript_build.tsc.returncode == 0, printed(typescript_build.tsc)
    assert (typescript_build.root / "build" / "generated" / "corpus.js").exists()
    assert (typescript_build.root / "build" / "src" / "flow.test.js").exists()


def test_a_body_the_server_refuses_does_not_compile(typescript_build):
    """The corpus check can fail: a string where the schema says integer, an unknown field, a missing one."""
    tsc = typescript_build.refused  # conftest.REFUSED, compiled alone with the build

    errors = re.findall(r"refused\.ts\((\d+),\d+\): error (TS\d+)", printed(tsc))
    assert [line for line, _ in errors] == ["3", "5", "6"], printed(tsc)


def test_no_generated_name_reads_twice(typescript_build):
    names = re.findall(r"^        (\w+): \{", typescript_build.types, re.MULTILINE)

    assert "TokenRequest" in names and "PaginatedExerciseSummaryList" in names
    assert [name for name in names if name.endswith(("RequestRequest", "ListList"))] == []
