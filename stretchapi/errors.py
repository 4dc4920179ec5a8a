"""The domain's errors: plain exceptions that services, selectors and rules raise.

They know nothing of HTTP frameworks. Each carries a stable machine `code`
(clients switch on it), a `title`, a human `detail` and a `status` hint; the
one exception handler of the API (`stretchapi/api/errors.py`) turns them into
RFC 9457 problem documents, and the admin and the commands show their text.

`InvalidData` is input the domain refuses, one `FieldProblem` per reason,
each under the path of the field it concerns (`holds[3].intensity`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any


class DomainError(Exception):
    """A refusal of the domain: subclasses set `status`, `code`, `title` and `default_detail`."""

    status = 400
    code = "bad_request"
    title = "Invalid request."
    default_detail = "The request cannot be processed."

    def __init__(self, detail: str | None = None, *, extra: dict[str, Any] | None = None):
        self.detail = detail or self.default_detail
        self.extra = extra or {}
        super().__init__(self.detail)


@dataclass(frozen=True)
class FieldProblem:
    """One reason input is refused: the field's path (None for the input as a whole), a stable code, and why."""

    field: str | None
    code: str
    message: str


class InvalidData(DomainError):
    """Input the domain refuses; `problems` lists each reason under its field path."""

    status = 400
    code = "validation_error"
    title = "Invalid input."
    default_detail = "The input breaks a rule."

    def __init__(self, problems: Iterable[FieldProblem] | Mapping[str | None, Iterable[tuple[str, str]]]):
        if isinstance(problems, Mapping):
            problems = [
                FieldProblem(field, code, message) for field, pairs in problems.items() for code, message in pairs
            ]
        self.problems: list[FieldProblem] = list(problems)
        super().__init__("; ".join(f"{p.field or 'input'}: {p.message}" for p in self.problems) or None)

    @property
    def errors(self) -> dict[str | None, list[tuple[str, str]]]:
        """The problems grouped by field: `{path: [(code, message), …]}`."""
        grouped: dict[str | None, list[tuple[str, str]]] = {}
        for problem in self.problems:
            grouped.setdefault(problem.field, []).append((problem.code, problem.message))
        return grouped


class Conflict(DomainError):
    status = 409
    code = "conflict"
    title = "Conflict."
    default_detail = "The request conflicts with what is stored."


class PreconditionRequired(DomainError):
    """A change of a versioned resource sent without `If-Match`."""

    status = 428
    code = "precondition_required"
    title = "Precondition required."
    default_detail = "Send the resource's current ETag in If-Match to change it."


class StaleWrite(DomainError):
    """A change of a versioned resource whose `If-Match` names an older version."""

    status = 412
    code = "stale_write"
    title = "Precondition failed."
    default_detail = "The resource changed since you read it. Fetch it again, then retry with its new ETag."
