"""JSON parsing that refuses text no database can store.

JSON may spell a lone UTF-16 surrogate (`"\\ud800"`); Python decodes it into a
str that cannot be encoded as UTF-8, so it would fail deep inside a write or
a response (a 500). It is refused here, at the door, as a 400 parse error.
"""

from rest_framework import parsers
from rest_framework.exceptions import ParseError


def _check_text(value) -> None:
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise ParseError("The body contains text that is not valid Unicode (a lone surrogate).") from exc
    elif isinstance(value, dict):
        for key, item in value.items():
            _check_text(key)
            _check_text(item)
    elif isinstance(value, list):
        for item in value:
            _check_text(item)


class JSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        data = super().parse(stream, media_type, parser_context)
        _check_text(data)
        return data
