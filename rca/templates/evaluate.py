"""Log-parsing accuracy against labelled templates (Loghub conventions).

* GA, grouping accuracy (logpai/logparser ``evaluator.get_accuracy``): a message counts as
  correct when the set of messages in its parsed group equals the set in its true group.
* FGA, F1 of group accuracy (Loghub-2.0, Jiang et al. 2024): precision = correct groups /
  parsed groups, recall = correct groups / true groups, a group being correct as for GA.
* PA, parsing accuracy: share of messages whose template equals the true template after
  :func:`normalise_template` (whitespace collapsed, runs of ``<*>`` merged into one).

>>> grouping_accuracy(["a", "a", "b", "c"], [1, 1, 2, 2])
0.5
>>> round(f1_group_accuracy(["a", "a", "b", "c"], [1, 1, 2, 2]), 3)
0.4
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from typing import Hashable, Sequence

_WS = re.compile(r"\s+")
_RUN = re.compile(r"<\*>(?:[\s]*<\*>)+")


def _correct_groups(truth: Sequence[Hashable], parsed: Sequence[Hashable]):
    if len(truth) != len(parsed):
        raise ValueError("truth and parsed must have the same length")
    true_size = Counter(truth)
    members: dict[Hashable, Counter] = defaultdict(Counter)
    for t, p in zip(truth, parsed):
        members[p][t] += 1
    correct = {}
    for p, cnt in members.items():
        if len(cnt) == 1:
            (t, n), = cnt.items()
            if true_size[t] == n:
                correct[p] = n
    return correct, len(members), len(true_size)


def grouping_accuracy(truth: Sequence[Hashable], parsed: Sequence[Hashable]) -> float:
    """Share of messages whose parsed group is exactly their true group."""
    correct, _, _ = _correct_groups(truth, parsed)
    return sum(correct.values()) / len(truth) if len(truth) else 1.0


def f1_group_accuracy(truth: Sequence[Hashable], parsed: Sequence[Hashable]) -> float:
    """F1 of group-level precision (correct/parsed groups) and recall (correct/true groups)."""
    correct, n_parsed, n_true = _correct_groups(truth, parsed)
    if not correct:
        return 0.0
    p, r = len(correct) / n_parsed, len(correct) / n_true
    return 2 * p * r / (p + r)


def normalise_template(template: str) -> str:
    """Whitespace collapsed, consecutive ``<*>`` (with only spaces between) merged.

    >>> normalise_template("src: <*> <*>  dest")
    'src: <*> dest'
    """
    return _RUN.sub("<*>", _WS.sub(" ", str(template).strip()))


def parsing_accuracy(truth_templates: Sequence[str], parsed_templates: Sequence[str]) -> float:
    """Share of messages whose normalised template equals the normalised true template."""
    if len(truth_templates) != len(parsed_templates):
        raise ValueError("truth and parsed must have the same length")
    cache: dict[str, str] = {}

    def norm(t: str) -> str:
        if t not in cache:
            cache[t] = normalise_template(t)
        return cache[t]

    ok = sum(norm(a) == norm(b) for a, b in zip(truth_templates, parsed_templates))
    return ok / len(truth_templates) if len(truth_templates) else 1.0
