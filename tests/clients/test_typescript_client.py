"""The TypeScript client (openapi-typescript + openapi-fetch), generated from the committed schema, compiles
under `tsc --strict` with the flow and the upload corpus, and runs the flow against a live server."""

from __future__ import annotations

import re

from .conftest import NPM, needs_node, printed, run, typescript_lock

pytestmark = needs_node


# A string where the schema says integer (line 3), an unknown field (line 5), a missing one (line 6).
REFUSED = (
    'import type { SessionUpload } from "../src/types.js";\n'
    'export const a: SessionUpload = { id: "x", started_at: "2026-01-01T00:00:00Z", goal: "general_flexibility",\n'
    '  holds: [{ exercise: "leg-swings", side: "both", held_seconds: "30", intensity: 5 }] };\n'
    'export const b: SessionUpload = { id: "x", started_at: "2026-01-01T00:00:00Z", goal: "general_flexibility",\n'
    "  mood: 3 };\n"
    'export const c: SessionUpload = { id: "x", goal: "general_flexibility" };\n'
)


def test_the_flow_and_every_corpus_upload_compile_under_strict_typescript(typescript_build):
    assert typescript_build.tsc.returncode == 0, printed(typescript_build.tsc)
    assert (typescript_build.root / "build" / "generated" / "corpus.js").exists()
    assert (typescript_build.root / "build" / "src" / "flow.test.js").exists()


def test_a_body_the_server_refuses_does_not_compile(typescript_build):
    """The corpus check can fail: a string where the schema says integer, an unknown field, a missing one."""
    refused = typescript_build.root / "generated" / "refused.ts"
    with typescript_lock():  # a concurrent run's build must not meet this module in generated/
        refused.write_text(REFUSED)
        try:
            tsc = run(
                [NPM, "exec", "--", "tsc", "--noEmit", "--strict", "--module", "NodeNext", "--moduleResolution",
                 "NodeNext", "--target", "ES2022", "--skipLibCheck", "--types", "node", str(refused)],
                typescript_build.root, check=False,
            )  # fmt: skip
        finally:
            refused.unlink()

    errors = re.findall(r"refused\.ts\((\d+),\d+\): error (TS\d+)", printed(tsc))
    assert [line for line, _ in errors] == ["3", "5", "6"], printed(tsc)


def test_no_generated_name_reads_twice(typescript_build):
    names = re.findall(r"^        (\w+): \{", typescript_build.types, re.MULTILINE)

    assert "TokenRequest" in names and "PaginatedExerciseSummaryList" in names
    assert [name for name in names if name.endswith(("RequestRequest", "ListList"))] == []
