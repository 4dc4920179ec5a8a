"""The column dictionary as people read it: per audience (names, types, descriptions) and as the
Markdown that docs/exports.md and the OpenAPI description show. The columns live in `datasets`."""

from __future__ import annotations

from .datasets import DATASETS, DICTIONARY_VERSION, Recipient


def dictionary(audience: Recipient) -> dict[str, list[dict[str, str]]]:
    return {
        name: [
            {"name": c.name, "type": c.type_for(audience), "description": c.description}
            for c in spec.columns_for(audience)
        ]
        for name, spec in DATASETS.items()
    }


def dictionary_markdown() -> str:
    """The column dictionary as Markdown: the docs and the OpenAPI description show this text."""
    lines = [f"Column dictionary, version {DICTIONARY_VERSION}.", ""]
    for spec in DATASETS.values():
        lines += [f"#### `{spec.name}`", "", f"{spec.description} FHIR: {spec.fhir}.", ""]
        lines += ["| column | type | description |", "| --- | --- | --- |"]
        for column in spec.columns:
            kind = "string (pseudonym) / integer (user id)" if column.person else column.type.value
            lines.append(f"| `{column.name}` | {kind} | {column.description} |")
        lines.append("")
    return "\n".join(lines)
