"""Is a model better than chance? Average precision against the base rate, with a permutation
test, and the one-line verdict ``rca train`` prints.

A failure predictor whose average precision is not above what random scores give on the same
labels has no skill, whatever its F1 on the training split says.

>>> import numpy as np
>>> y = np.r_[np.zeros(90), np.ones(10)]
>>> skill(y, y + 0.0)["better_than_chance"], skill(y, np.zeros(100))["better_than_chance"]
(True, False)
"""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.metrics import average_precision_score

#: Permutations for the p-value, and the significance level of "better than chance".
PERMUTATIONS = 200
ALPHA = 0.05


def skill(labels, scores, *, permutations: int = PERMUTATIONS, seed: int = 0) -> dict[str, Any]:
    """Base rate, average precision, its lift over the base rate and a one-sided permutation
    p-value (share of label shuffles whose AP reaches the model's). ``better_than_chance`` is
    p < :data:`ALPHA`; with no positives or no negatives there is nothing to test (None)."""
    y = np.asarray(labels, dtype=int)
    s = np.asarray(scores, dtype=float)
    n, pos = len(y), int(y.sum())
    out: dict[str, Any] = {"base_rate": round(pos / n, 4) if n else None}
    if n == 0 or pos in (0, n) or not np.isfinite(s).all():
        out["better_than_chance"] = None
        return out
    ap = float(average_precision_score(y, s))
    rng = np.random.default_rng(seed)
    null = np.array([average_precision_score(rng.permutation(y), s)
                     for _ in range(permutations)])
    p = (1 + int((null >= ap - 1e-12).sum())) / (permutations + 1)
    out.update(average_precision=round(ap, 4), ap_lift=round(ap / (pos / n), 2),
               ap_p_value=round(p, 4), better_than_chance=bool(p < ALPHA))
    return out


def verdict(split: str, m: dict[str, Any]) -> str | None:
    """A warning sentence when the split's metrics show no skill, else None."""
    if m.get("better_than_chance") is not False:
        return None
    return (f"warning: on the {split} split the model is no better than chance: average "
            f"precision {m.get('average_precision')} against a base rate of {m.get('base_rate')} "
            f"(permutation p = {m.get('ap_p_value')}); precision {m.get('precision')}, recall "
            f"{m.get('recall')}. Do not rely on its alarms.")
