"""Static checks that keep remediation regexes free of catastrophic backtracking.

Log lines are untrusted input, so every signature regex must run in time roughly linear in the
line length. Two rules make that hold, checked on the parsed pattern when a library loads:

1. No unbounded repeat (``*``, ``+``, ``{n,}``): write ``{0,80}`` instead. A bounded repeat
   costs at most its bound per start position.
2. A repeat whose body is more than one character (a group, an alternation) may backtrack
   exponentially, so it must be possessive (``{1,8}+``) or inside an atomic group ``(?>...)``.
   Repeats nested in such a body follow the same rules.

:func:`adversarial_inputs` builds the 100 kB lines the test suite times every library
regex against (runs of the characters a pattern repeats, near misses of its literals).

>>> check_pattern(r"EADDRINUSE[^\\n]{0,40}?:(?P<port>\\d{2,5})")
>>> check_pattern(r"(a+)+b")
Traceback (most recent call last):
...
ValueError: unbounded repeat (+, * or {n,}); use a bound such as {0,80}
"""

from __future__ import annotations

try:  # Python 3.11+
    from re import _constants as _c
    from re import _parser as _p
except ImportError:  # pragma: no cover - older layout
    import sre_constants as _c  # type: ignore[no-redef]
    import sre_parse as _p  # type: ignore[no-redef]

#: Largest bound allowed on a single repeat.
MAX_BOUND = 400

_BACKTRACKING = {_c.MAX_REPEAT, _c.MIN_REPEAT}
_SINGLE_CHAR = {_c.LITERAL, _c.NOT_LITERAL, _c.ANY, _c.IN, _c.CATEGORY}


def check_pattern(pattern: str, flags: int = 0) -> None:
    """Raise ``ValueError`` (with the reason) when ``pattern`` breaks the rules above."""
    _walk(_p.parse(pattern, flags))


def _is_safe_body(sub) -> bool:
    items = list(sub)
    return len(items) == 1 and (items[0][0] in _SINGLE_CHAR or items[0][0] == _c.ATOMIC_GROUP)


def _walk(tree) -> None:
    for op, av in tree:
        if op in _BACKTRACKING or op == _c.POSSESSIVE_REPEAT:
            low, high, sub = av
            if high == _c.MAXREPEAT:
                raise ValueError("unbounded repeat (+, * or {n,}); use a bound such as {0,80}")
            if high > MAX_BOUND:
                raise ValueError(f"repeat bound {high} is above {MAX_BOUND}")
            if high > 1 and op != _c.POSSESSIVE_REPEAT and not _is_safe_body(sub):
                raise ValueError(
                    "a repeated group may backtrack exponentially; make it possessive "
                    "({m,n}+) or atomic ((?>...))"
                )
            _walk(sub)
        elif op == _c.ATOMIC_GROUP:
            _walk(av)
        elif op == _c.SUBPATTERN:
            _walk(av[-1])
        elif op == _c.BRANCH:
            for branch in av[1]:
                _walk(branch)
        elif op in (_c.ASSERT, _c.ASSERT_NOT):
            _walk(av[1])
        elif op == _c.GROUPREF_EXISTS:
            for branch in av[1:]:
                if branch is not None:
                    _walk(branch)


#: Length of the adversarial lines used by :func:`adversarial_inputs`.
ADVERSARIAL_SIZE = 100_000
_CATEGORY_CHARS = {
    _c.CATEGORY_DIGIT: "7", _c.CATEGORY_NOT_DIGIT: "a", _c.CATEGORY_SPACE: " ",
    _c.CATEGORY_NOT_SPACE: "a", _c.CATEGORY_WORD: "a", _c.CATEGORY_NOT_WORD: "-",
}
_REPEATS = (_c.MAX_REPEAT, _c.MIN_REPEAT, _c.POSSESSIVE_REPEAT)


def _collect(tree, repeated: list[str], literal: list[str], in_repeat: bool) -> None:
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
            _collect(av[2], repeated, literal, in_repeat or av[1] > 1)
        elif op == _c.SUBPATTERN:
            _collect(av[-1], repeated, literal, in_repeat)
        elif op == _c.ATOMIC_GROUP:
            _collect(av, repeated, literal, in_repeat)
        elif op == _c.BRANCH:
            for branch in av[1]:
                _collect(branch, repeated, literal, in_repeat)
        elif op in (_c.ASSERT, _c.ASSERT_NOT):
            _collect(av[1], repeated, literal, in_repeat)
        if in_repeat:
            repeated.extend(chars)


def adversarial_inputs(pattern: str, flags: int = 0, size: int = ADVERSARIAL_SIZE) -> list[str]:
    """Lines of ``size`` characters built to make a backtracking regex slow (to time a
    pattern against, as the test suite does for every library regex): a run of each
    character the pattern repeats (up to six), the pattern's literal skeleton repeated, and
    the skeleton missing its last character followed by a run of the repeated characters (a
    near miss that reaches every repeat). A pattern without repeats gets the near miss only."""
    repeated: list[str] = []
    literal: list[str] = []
    _collect(_p.parse(pattern, flags), repeated, literal, False)
    uniq = list(dict.fromkeys(repeated))[:6]
    skeleton = "".join(literal) or "a"
    near = (skeleton[:-1] or "a") + "".join(uniq or ["a"]) * 40
    near_line = (near * (size // len(near) + 1))[:size]
    if not uniq:
        return [near_line]
    inputs = [c * size for c in uniq]
    inputs.append((skeleton * (size // len(skeleton) + 1))[:size])
    inputs.append(near_line)
    return inputs
