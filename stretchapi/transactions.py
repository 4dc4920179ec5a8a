"""Transactions that fail whole, and the savepoints they make unnecessary.

`transaction.atomic()` nested in another transaction sets a savepoint (two
more round trips) so that a failure inside it can be rolled back alone while
the outer transaction goes on. Inside `all_or_nothing()` nothing goes on
after a failure: the error leaves the block and the whole transaction is
rolled back. A service's `atomic()` there needs no savepoint; anywhere else
(the service's own transaction, or one a caller may continue) it is
`transaction.atomic()` as usual.

A block of `all_or_nothing()` must not catch an error raised by an
`atomic()` inside it and go on: the transaction is already doomed
(`savepoint=False`), and Django refuses any further query in it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.db import transaction

_WHOLE: ContextVar[bool] = ContextVar("all_or_nothing", default=False)


@contextmanager
def all_or_nothing() -> Iterator[None]:
    """A transaction (a savepoint, when nested) that fails whole."""
    with transaction.atomic():
        token = _WHOLE.set(True)
        try:
            yield
        finally:
            _WHOLE.reset(token)


def atomic():
    """`transaction.atomic()`, without its savepoint inside `all_or_nothing()`."""
    return transaction.atomic(savepoint=not _WHOLE.get())
