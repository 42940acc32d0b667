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


def _chars(tree, out: list[str], literal: list[str]) -> None:
    for op, av in tree:
        if op == _c.LITERAL:
            out.append(chr(av))
            literal.append(chr(av))
        elif op == _c.NOT_LITERAL:
            out.append("a" if chr(av) != "a" else "b")
        elif op == _c.ANY:
            out.append("x")
        elif op == _c.IN:
            for sub_op, sub_av in av:
                if sub_op == _c.LITERAL:
                    out.append(chr(sub_av))
                elif sub_op == _c.RANGE:
                    out.append(chr(sub_av[0]))
                elif sub_op == _c.CATEGORY:
                    out.append(_CATEGORY_CHARS.get(sub_av, "a"))
        elif op in (_c.MAX_REPEAT, _c.MIN_REPEAT, _c.POSSESSIVE_REPEAT):
            _chars(av[2], out, literal)
        elif op == _c.SUBPATTERN:
            _chars(av[-1], out, literal)
        elif op == _c.ATOMIC_GROUP:
            _chars(av, out, literal)
        elif op == _c.BRANCH:
            for branch in av[1]:
                _chars(branch, out, literal)
        elif op in (_c.ASSERT, _c.ASSERT_NOT):
            _chars(av[1], out, literal)


def adversarial_inputs(pattern: str, flags: int = 0) -> list[str]:
    """Lines of about 100 kB built to make a backtracking regex slow: each character the
    pattern uses repeated, pairs of them alternated, the pattern's literal skeleton repeated,
    and the skeleton with its last character dropped (a near miss)."""
    chars: list[str] = []
    literal: list[str] = []
    _chars(_p.parse(pattern, flags), chars, literal)
    uniq = list(dict.fromkeys(chars + ["a", "1", " ", ":", "/", ".", "'", '"']))
    inputs = [c * SIZE for c in uniq]
    for a, b in zip(uniq, uniq[1:]):
        inputs.append((a + b) * (SIZE // 2))
    skeleton = "".join(literal) or "a"
    inputs.append((skeleton * (SIZE // len(skeleton) + 1))[:SIZE])
    near = skeleton[:-1] or "a"
    inputs.append((near + "a1 " ) * (SIZE // (len(near) + 3)))
    return inputs
