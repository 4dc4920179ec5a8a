"""The documented column dictionary (docs/exports.md) is the code's, and the exports' real columns are it."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings

from sessions.exports.datasets import DATASETS
from sessions.exports.dictionary import dictionary_markdown
from tests.conftest import bearer_client

DOCS = Path(settings.BASE_DIR) / "docs" / "exports.md"
BEGIN, END = "<!-- dictionary:begin -->", "<!-- dictionary:end -->"


def documented() -> dict[str, list[tuple[str, bool]]]:
    """Each dataset's documented columns, in order, and whether each is for trainer exports only."""
    text = DOCS.read_text()
    block = text[text.index(BEGIN) + len(BEGIN) : text.index(END)]
    tables: dict[str, list[tuple[str, bool]]] = {}
    current = None
    for line in block.splitlines():
        if heading := re.match(r"#### `([a-z-]+)`", line):
            current = tables.setdefault(heading[1], [])
        elif row := re.match(r"\| `([a-z_]+)` \| [^|]+ \| (.+) \|$", line):
            current.append((row[1], "trainer exports only" in row[2]))
    return tables


def test_the_docs_show_the_codes_dictionary():
    text = DOCS.read_text()
    block = text[text.index(BEGIN) + len(BEGIN) : text.index(END)]

    assert block.strip() == dictionary_markdown().strip(), "docs/exports.md is stale: paste dictionary_markdown()"


@pytest.mark.django_db
@pytest.mark.parametrize("dataset", list(DATASETS))
@pytest.mark.parametrize("who", ["analyst", "trainer"])
def test_the_real_columns_are_the_documented_ones(world, dataset, who):
    since = (world.start - timedelta(days=60)).date().isoformat()
    response = bearer_client(getattr(world, who)).get(f"/api/v1/exports/{dataset}/", {"since": since})

    header = next(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    expected = [name for name, trainer_only in documented()[dataset] if who == "trainer" or not trainer_only]
    assert header == expected
