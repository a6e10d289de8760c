"""Characters named by a regular-expression class body, for the tests that draw from one."""

from __future__ import annotations

import re


def class_characters(ranges: str) -> list[str]:
    """Every character of a regular-expression class body like `text.UNTOUCHED`."""
    found = []
    for match in re.finditer(r"(.)-(.)|(.)", ranges, re.DOTALL):
        low, high, single = match.groups()
        if single is not None:
            found.append(single)
        else:
            found += [chr(c) for c in range(ord(low), ord(high) + 1)]
    return found
