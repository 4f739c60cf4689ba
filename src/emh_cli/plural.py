"""Counts in messages: "1 entry", "2 entries"."""


def plural(n: int, one: str, many: str | None = None) -> str:
    """`n` and the noun in the number it needs; `many` defaults to `one` + "s"."""
    return f"{n} {one if n == 1 else (many if many is not None else one + 's')}"
