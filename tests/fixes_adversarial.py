"""Adversarial inputs for regexes: long runs of the characters a pattern repeats or expects."""

from __future__ import annotations

try:
    from re import _constants as _c
    from re import _parser as _p
except ImportError:  # pragma: no cover
    import sre_constants as _c  # type: ignore[no-redef]
    import sre_parse as _p  # type: ignore[no-redef]

SIZE = 100_000
_CATEGORY_CHARS = {
    _c.CATEGORY_DIGIT: "7", _c.CATEGORY_NOT_DIGIT: "a", _c.CATEGORY_SPACE: " ",
    _c.CATEGORY_NOT_SPACE: "a", _c.CATEGORY_WORD: "a", _c.CATEGORY_NOT_WORD: "-",
}
_REPEATS = (_c.MAX_REPEAT, _c.MIN_REPEAT, _c.POSSESSIVE_REPEAT)


def _walk(tree, repeated: list[str], literal: list[str], in_repeat: bool) -> None:
    for op, av in tree:
        chars: list[str] = []
        if op == _c.LITERAL:
            chars = [chr(av)]
            literal.append(chr(av))
        elif op == _c.NOT_LITERAL:
            chars = ["a" if chr(av) != "a" else "b"]
        elif op == _c.ANY:
            chars = ["x"]
        elif op == _c.IN:
            for sub_op, sub_av in av:
                if sub_op == _c.LITERAL:
                    chars.append(chr(sub_av))
                elif sub_op == _c.RANGE:
                    chars.append(chr(sub_av[0]))
                elif sub_op == _c.CATEGORY:
                    chars.append(_CATEGORY_CHARS.get(sub_av, "a"))
                elif sub_op == _c.NEGATE:
                    chars.append("a")
        elif op in _REPEATS:
            _walk(av[2], repeated, literal, in_repeat or av[1] > 1)
        elif op == _c.SUBPATTERN:
            _walk(av[-1], repeated, literal, in_repeat)
        elif op == _c.ATOMIC_GROUP:
            _walk(av, repeated, literal, in_repeat)
        elif op == _c.BRANCH:
            for branch in av[1]:
                _walk(branch, repeated, literal, in_repeat)
        elif op in (_c.ASSERT, _c.ASSERT_NOT):
            _walk(av[1], repeated, literal, in_repeat)
        if in_repeat:
            repeated.extend(chars)


def adversarial_inputs(pattern: str, flags: int = 0, size: int = SIZE) -> list[str]:
    """Lines of ``size`` characters built to make a backtracking regex slow: a run of each
    character the pattern repeats, the two most used ones alternated, the pattern's literal
    skeleton repeated, and the skeleton missing its last character followed by a run of the
    repeated characters (a near miss that reaches every repeat)."""
    repeated: list[str] = []
    literal: list[str] = []
    _walk(_p.parse(pattern, flags), repeated, literal, False)
    uniq = list(dict.fromkeys(repeated))[:8]
    inputs = [c * size for c in uniq]
    if len(uniq) >= 2:
        inputs.append((uniq[0] + uniq[1]) * (size // 2))
    skeleton = "".join(literal) or "a"
    inputs.append((skeleton * (size // len(skeleton) + 1))[:size])
    near = (skeleton[:-1] or "a") + "".join(uniq or ["a"]) * 40
    inputs.append((near * (size // len(near) + 1))[:size])
    return inputs
