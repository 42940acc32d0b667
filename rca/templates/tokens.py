"""Tokens of a masked message and the operations the miner does on token lists.

A masked message is split on whitespace (kept as one " " token) and on the delimiters
``= : , ( ) [ ] " '`` (kept as tokens), and runs of two or more dots ("space.......0") are a
token of their own. Joining the tokens gives the template text back.

>>> tokenize("connected to <*>:<*> (attempt <*>)")
['connected', ' ', 'to', ' ', '<*>', ':', '<*>', ' ', '(', 'attempt', ' ', '<*>', ')']
>>> skeleton(tokenize("user <*> logged in, took <*>"))
('user', 'logged', 'in', 'took')
>>> "".join(collapse_list(tokenize("called by <*> <*> <*> <*>")))
'called by <*>'
>>> "".join(collapse_list(tokenize("peers: <*>:<*>, <*>:<*>, <*>:<*> ok")))
'peers: <*> ok'
"""

from __future__ import annotations

import re

from rca.templates.masking import WILDCARD

_TOKEN = re.compile(r"""(?:[^\s=:,()\[\]"'.]|\.(?!\.))+|\.{2,}|[=:,()\[\]"']|\s+""")
DELIMS = frozenset("=:,()[]\"'")
_LETTER = re.compile(r"[A-Za-z]")
_PAIRS = {("(", ")"), ("[", "]"), ('"', '"'), ("'", "'")}  # an empty value: "()" vs "(<*>)"


def tokenize(masked: str) -> list[str]:
    """Split on whitespace and delimiters, keeping both (whitespace as one space)."""
    return [" " if t[0].isspace() else t for t in _TOKEN.findall(masked.strip())]


def is_word(tok: str) -> bool:
    return tok != " " and tok not in DELIMS and tok[0] != "."


def skeleton(tokens: list[str]) -> tuple[str, ...]:
    return tuple(t for t in tokens if WILDCARD not in t and is_word(t) and _LETTER.search(t))


def collapse(tokens: list[str]) -> list[str]:
    """Merge wildcards separated only by spaces into one (for variable-length templates)."""
    out: list[str] = []
    for t in tokens:
        if t == WILDCARD:
            while out and out[-1] == " " and len(out) >= 2 and out[-2] == WILDCARD:
                out.pop()
            if out and out[-1] == WILDCARD:
                continue
        elif t == " " and out and out[-1] == " ":
            continue
        out.append(t)
    return out


_LIST_SEPS = frozenset((" ", ",", ";"))


def collapse_list(tokens: list[str], min_items: int = 3, max_item: int = 6) -> list[str]:
    """A run of ``min_items`` or more equal items holding a ``<*>``, separated by spaces,
    commas or semicolons (``<*> <*> <*>``, ``node-<*> <*> <ok> node-<*> <*> <ok> ...``), becomes
    ONE ``<*>``: a variable-length list is one variable, not one template per length. The run
    that ends last in the message is collapsed (lists trail messages)."""
    wild = [WILDCARD in t for t in tokens]
    if sum(wild) < min_items:  # each item holds a <*>: no run can be that long
        return tokens
    for end in range(len(tokens), 0, -1):  # the list may be followed by closing words
        if tokens[end - 1] in _LIST_SEPS:
            continue
        for size in range(1, max_item + 1):
            item = tokens[end - size:end]
            if end - size <= 0 or item[0] in _LIST_SEPS or not any(wild[end - size:end]):
                continue
            sep = end - size  # the separator before the last item: 1 or 2 separator tokens
            while sep > 0 and end - size - sep < 2 and tokens[sep - 1] in _LIST_SEPS:
                sep -= 1
            sep_toks = tokens[sep:end - size]
            if not sep_toks:
                continue
            unit = size + len(sep_toks)
            k, start = 1, end - size
            while start - unit >= 0 and tokens[start - len(sep_toks):start] == sep_toks \
                    and tokens[start - unit:start - len(sep_toks)] == item:
                k, start = k + 1, start - unit
            if k >= min_items:
                return tokens[:start] + [WILDCARD] + tokens[end:]
    return tokens


_CLOSE = {"(": ")", "[": "]"}


def strip_decor(tokens: list[str]) -> list[str]:
    """A word that wraps a lone ``<*>`` in brackets (``pool(<*>)``, ``shard[<*>]``) becomes
    that ``<*>``: the decoration of an optional part, so ``connected to pool(<*>)`` and
    ``connected to <*>`` can be found as one event.

    >>> "".join(strip_decor(tokenize("connected to pool(<*>) after <*>")))
    'connected to <*> after <*>'
    """
    out, i, n = [], 0, len(tokens)
    while i < n:
        t = tokens[i]
        if (i + 3 < n and tokens[i + 1] in _CLOSE and tokens[i + 2] == WILDCARD
                and tokens[i + 3] == _CLOSE[tokens[i + 1]] and (i == 0 or tokens[i - 1] == " ")
                and is_word(t) and WILDCARD not in t and _LETTER.search(t)):
            out.append(WILDCARD)
            i += 4
            continue
        out.append(t)
        i += 1
    return out


def align(a: list[str], b: list[str], skel: tuple[str, ...]) -> list[str] | None:
    """Merge two token lists with the same skeleton: equal stretches stay, differing ones
    between consecutive skeleton words become one ``<*>``. ``None`` (no merge) when a
    differing stretch has no ``<*>`` on one side: then it is wording, not a variable's shape."""

    def anchors(toks: list[str]) -> list[int]:
        out, k = [], 0
        for i, t in enumerate(toks):
            if k < len(skel) and t == skel[k]:
                out.append(i)
                k += 1
        return out

    pa, pb = anchors(a), anchors(b)
    out: list[str] = []
    prev_a = prev_b = 0
    for ia, ib in zip(pa + [len(a)], pb + [len(b)]):
        sa, sb = a[prev_a:ia], b[prev_b:ib]
        if sa == sb:
            out.extend(sa)
        else:
            j = 0  # common suffix first, so the space before the next word stays
            while j < min(len(sa), len(sb)) and sa[-1 - j] == sb[-1 - j]:
                j += 1
            k = 0
            while k < min(len(sa), len(sb)) - j and sa[k] == sb[k]:
                k += 1
            edge = [t for t in sa[:k] if t != " "][-1:] + [t for t in sa[len(sa) - j:] if t != " "][:1]
            for mid in (sa[k:len(sa) - j], sb[k:len(sb) - j]):
                if any(WILDCARD in t for t in mid):
                    continue
                if [t for t in mid if t != " "] or not (WILDCARD in edge or tuple(edge) in _PAIRS):
                    return None  # wording or punctuation differs, not a variable's shape
            out.extend(sa[:k])
            if not ((len(sa) == k + j or len(sb) == k + j) and WILDCARD in edge):
                out.append(WILDCARD)
            # else: one side only inserts tokens next to a <*>, which absorbs them
            out.extend(sa[len(sa) - j:] if j else [])
        if ia < len(a):
            out.append(a[ia])
        prev_a, prev_b = ia + 1, ib + 1
    return collapse(out)
