"""Static checks that keep remediation regexes free of catastrophic backtracking.

Log lines are untrusted input, so every signature regex must run in time roughly linear in the
line length. Two rules make that hold, checked on the parsed pattern when a library loads:

1. No unbounded repeat (``*``, ``+``, ``{n,}``): write ``{0,80}`` instead. A bounded repeat
   costs at most its bound per start position.
2. A repeat whose body is more than one character (a group, an alternation) may backtrack
   exponentially, so it must be possessive (``{1,8}+``) or inside an atomic group ``(?>...)``.
   Repeats nested in such a body follow the same rules.
3. Chained or nested repeats that can trade characters multiply: ``a{0,400}a{0,400}b`` tries
   401 * 401 splits per start position. The product is bounded by :data:`MAX_SPLITS`
   (:func:`check_splits`), so every accepted pattern costs a bounded amount per character.

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
    check_splits(pattern, flags)


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


# --- rule 3: chained and nested counted repetition ----------------------------------------------

#: Largest number of ways adjacent (or nested) repeats may split one stretch of a line between
#: them. ``a{0,400}a{0,400}b`` has 401 * 401 splits per start position and takes seconds on a
#: 4 kB line; the largest in the shipped library is 10,248.
MAX_SPLITS = 12_000
_PROBE = "".join(chr(c) for c in range(32, 127)) + "\t\u00e9<>"
_SINGLE = {_c.LITERAL, _c.NOT_LITERAL, _c.ANY, _c.IN, _c.CATEGORY}
_ZERO_WIDTH = {_c.AT, _c.ASSERT, _c.ASSERT_NOT, _c.GROUPREF}


def _chars(op, av, flags: int) -> frozenset:
    """The probe characters one single-character node matches."""
    from re import _compiler

    sub = _p.SubPattern(_p.State(), [(op, av)])
    sub.state.flags = flags
    rx = _compiler.compile(sub, flags)
    return frozenset(ch for ch in _PROBE if rx.match(ch))


def _flat(tree):
    """The nodes of a sequence with (capturing or not) groups opened, zero-width ones dropped."""
    for op, av in tree:
        if op == _c.SUBPATTERN:
            yield from _flat(av[-1])
        elif op not in _ZERO_WIDTH:
            yield op, av


def _item(op, av, flags: int) -> tuple[int, frozenset, frozenset, bool]:
    """``(splits, first chars, last chars, may be empty)`` of one node: how many lengths it can
    take at one position (times the splits inside it) and the characters it starts and ends
    with."""
    if op in _SINGLE:
        s = _chars(op, av, flags)
        return 1, s, s, False
    if op in _REPEATS:
        low, high, sub = av
        inner, first, last, empty = _splits(sub, flags)
        if op == _c.POSSESSIVE_REPEAT:  # never re-tried with another length
            return inner, first, last, empty or low == 0
        return (high - low + 1) * inner, first, last, empty or low == 0
    if op == _c.BRANCH:
        parts = [_splits(b, flags) for b in av[1]]
        return (sum(p[0] for p in parts), frozenset().union(*(p[1] for p in parts)),
                frozenset().union(*(p[2] for p in parts)), any(p[3] for p in parts))
    if op == _c.ATOMIC_GROUP:
        return _splits(av, flags)
    return 1, frozenset(), frozenset(), True


def _splits(tree, flags: int) -> tuple[int, frozenset, frozenset, bool]:
    """Worst product of splits of a chain of repeats that can trade characters (the next node
    starts with a character the previous repeat ends with, at most one literal character that
    such a repeat may swallow between them); plus first/last characters and emptiness."""
    worst, run, prev, gap = 1, 1, frozenset(), 0
    first: frozenset = frozenset()
    last: frozenset = frozenset()
    empty = True
    for op, av in _flat(tree):
        n, starts, ends, can_skip = _item(op, av, flags)
        if empty:
            first = first | starts
        last = (last | ends) if can_skip else ends
        empty = empty and can_skip
        touching = bool(starts & prev) and gap <= 1
        if n > 1:
            run, prev, gap = (run * n if touching else n), ends, 0
            worst = max(worst, run)
        elif touching:
            gap += 1
        else:
            run, prev, gap = 1, frozenset(), 0
    return worst, first, last, empty


def check_splits(pattern: str, flags: int = 0) -> None:
    """Raise ``ValueError`` when chained or nested repeats of ``pattern`` can split a stretch of
    a line in more than :data:`MAX_SPLITS` ways (rule 3).

    >>> check_splits(r"a{0,400}a{0,400}b")
    Traceback (most recent call last):
    ...
    ValueError: chained repeats can split a stretch of a line 160801 ways (above 12000): separate them with a literal or lower the bounds
    """
    worst = _splits(_p.parse(pattern, flags), flags)[0]
    if worst > MAX_SPLITS:
        raise ValueError(f"chained repeats can split a stretch of a line {worst} ways (above "
                         f"{MAX_SPLITS}): separate them with a literal or lower the bounds")
