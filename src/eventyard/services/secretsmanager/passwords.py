"""GetRandomPassword: AWS's character classes and defaults (32 characters, every
included class at least once, no space)."""

from __future__ import annotations

import secrets
import string

from eventyard.core.errors import ServiceError

DEFAULT_LENGTH = 32
PUNCTUATION = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"


def random_password(*, length: int = DEFAULT_LENGTH, exclude: str = "", exclude_numbers: bool = False,
                    exclude_punctuation: bool = False, exclude_uppercase: bool = False,
                    exclude_lowercase: bool = False, include_space: bool = False,
                    require_each_included_type: bool = True) -> str:
    classes = []
    for excluded, chars in ((exclude_lowercase, string.ascii_lowercase), (exclude_uppercase, string.ascii_uppercase),
                            (exclude_numbers, string.digits), (exclude_punctuation, PUNCTUATION),
                            (not include_space, " ")):
        if not excluded:
            kept = "".join(c for c in chars if c not in exclude)
            if kept:
                classes.append(kept)
    if not classes:
        raise ServiceError("InvalidParameterException",
                           "The password has no characters to choose from: every character type was excluded.")
    if require_each_included_type and length < len(classes):
        raise ServiceError("InvalidParameterException", "Password length is too short based on the required types.")
    pool = "".join(classes)
    chosen = [secrets.choice(pool) for _ in range(length)]
    if require_each_included_type:
        # one of each class at distinct random places
        places = list(range(length))
        for chars in classes:
            chosen[places.pop(secrets.randbelow(len(places)))] = secrets.choice(chars)
    return "".join(chosen)
