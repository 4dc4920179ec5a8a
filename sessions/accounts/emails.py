"""The one rule for an account's email address: how it is normalised, and which look-alikes are refused.

Sign-up, `create_user`, the admin's account forms and sign-in all pass an address through
`email_normalize`, so that one person's address has one stored form and signs in as typed.

- The whole address is NFKC-normalised first: compatibility characters become the letters
  they stand for (the Kelvin sign `K` is a `K`, a fullwidth `Ｋ` a `K`).
- `email-validator` (no network: `check_deliverability=False`) checks the syntax, refuses
  special-use domains (`.test`, `.local`, `localhost`…) and maps the domain through IDNA
  (UTS 46), refusing a domain that is not valid IDNA.
- The part before the `@` must be ASCII (no SMTPUTF8): a Cyrillic `а` there would make an
  account that reads like another one.
- An internationalised domain is accepted when all its letters are of one script, Latin
  joined only with the scripts written alongside it (Han with Hiragana/Katakana, Hangul or
  Bopomofo) — an approximation of Unicode TS #39's "highly restrictive" level, judged per
  letter by its Unicode name. `exаmple.com` (Cyrillic `а` among Latin letters) is refused;
  `bücher.de`, `пример.рф` and `例え.jp` are accepted. The stored form keeps the domain in
  Unicode (`user@bücher.de`); its Punycode form (`xn--bcher-kva.de`) normalises to it.
- The result is lowercased, as the database requires.
"""

from __future__ import annotations

import unicodedata

from email_validator import EmailNotValidError, validate_email

# The sets of scripts one domain may mix (UTS #39, "highly restrictive"); any single script is fine.
_SCRIPT_MIXES_ALLOWED = (
    frozenset({"LATIN", "CJK", "HIRAGANA", "KATAKANA"}),
    frozenset({"LATIN", "CJK", "HANGUL"}),
    frozenset({"LATIN", "CJK", "BOPOMOFO"}),
)


class EmailRefused(ValueError):
    """An address the account rules refuse; `code` and `message` are the API's problem."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


def _scripts(domain: str) -> set[str]:
    """The scripts of the domain's letters, named as Unicode names them ("LATIN", "CYRILLIC", "CJK"…)."""
    return {unicodedata.name(c, "UNKNOWN").split(" ")[0] for c in domain if unicodedata.category(c).startswith("L")}


def email_normalize(raw: str) -> str:
    """The stored form of an email address; `EmailRefused` if the rules above refuse it."""
    text = unicodedata.normalize("NFKC", raw.strip())
    try:
        checked = validate_email(text, check_deliverability=False, allow_smtputf8=False)
    except EmailNotValidError as exc:
        raise EmailRefused("invalid", f"Enter a valid email address. {exc}") from exc
    scripts = _scripts(checked.domain)
    if len(scripts) > 1 and not any(scripts <= allowed for allowed in _SCRIPT_MIXES_ALLOWED):
        raise EmailRefused(
            "email_mixed_script",
            f"The domain mixes letters of several scripts ({', '.join(sorted(scripts)).lower()}) that can "
            "imitate another address; type it in one script.",
        )
    return checked.normalized.lower()


def email_for_sign_in(raw: str) -> str:
    """The address to look an account up by: its normalised form, or, for an address the rules
    refuse (an account made before them), the address lowercased, so that it still signs in."""
    try:
        return email_normalize(raw)
    except EmailRefused:
        return raw.strip().lower()
