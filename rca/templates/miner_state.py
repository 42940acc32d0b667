"""A template miner's state as plain JSON (never pickle): :func:`to_json` / :func:`from_json`."""

from __future__ import annotations

from rca.errors import ModelError
from rca.templates.cluster import Cluster, live
from rca.templates.masking import Masker
from rca.templates.tokens import tokenize

STATE_FORMAT = "rca.templates/1"


def to_json(miner) -> dict:
    """Plain-JSON state (templates, sizes, aliases, remembered masked messages, config)."""
    return {
        "format": STATE_FORMAT,
        "config": {"sim_th": miner.sim_th, "max_cache": miner.max_cache,
                   "skeleton_merge": miner.skeleton_merge,
                   "generalise_words": miner.generalise_words,
                   "word_var_min": miner.word_var_min, "list_min": miner.list_min,
                   "const_min": miner.const_min,
                   "masking": miner.masker_.to_json()},
        "templates": [{"id": c.id, "template": c.template, "size": c.size,
                       "fixed": c.fixed, "word_vars": sorted(c.word_vars),
                       **({"probe": [[i, v] for i, v in c.probe.items()], "probe_n": c.probe_n}
                          if c.probe else {})}
                      for c in miner._clusters.values()],
        "votes": [[t, p, v] for (t, p), v in miner._votes.items()],
        "skeletons": [[list(k), live(v).id] for k, v in miner._by_skel.items()],
        "lists": {k: live(v).id for k, v in miner._by_list.items()},
        "decorations": {k: live(v).id for k, v in miner._by_decor.items()},
        "aliases": dict(miner._aliases),
        "cache": {k: live(v).id for k, v in miner._cache.items()},
    }


def from_json(cls, state: dict):
    """Rebuild a miner of class ``cls`` from :func:`to_json` output."""
    if not isinstance(state, dict) or state.get("format") != STATE_FORMAT:
        raise ModelError(f"not a template miner state (expected format {STATE_FORMAT!r})")
    try:
        cfg = state["config"]
        miner = cls(sim_th=float(cfg["sim_th"]), masker=Masker.from_json(cfg["masking"]),
                    max_cache=int(cfg["max_cache"]), skeleton_merge=bool(cfg["skeleton_merge"]),
                    generalise_words=bool(cfg.get("generalise_words", False)),
                    word_var_min=int(cfg.get("word_var_min", 5)),
                    list_min=int(cfg.get("list_min", 0)),
                    const_min=int(cfg.get("const_min", 0)))
        for item in state["templates"]:
            c = Cluster(tokenize(item["template"]), item["id"], int(item["size"]),
                         bool(item["fixed"]))
            c.template = item["template"]
            c.word_vars = frozenset(int(i) for i in item.get("word_vars", ()))
            if item.get("probe"):
                c.probe = {int(i): str(v) for i, v in item["probe"]}
                c.probe_n = int(item.get("probe_n", 1))
            miner._index(c)
        miner._votes = {(t, int(p)): {str(k): int(n) for k, n in v.items()}
                        for t, p, v in state.get("votes", ())}
        miner._by_skel = {tuple(k): miner._clusters[cid] for k, cid in state["skeletons"]}
        miner._aliases = dict(state["aliases"])
        miner._by_list = {k: miner._clusters[cid] for k, cid in state.get("lists", {}).items()}
        miner._by_decor = {k: miner._clusters[cid]
                           for k, cid in state.get("decorations", {}).items()}
        miner._cache = {k: miner._clusters[cid] for k, cid in state["cache"].items()}
    except (KeyError, TypeError, ValueError) as exc:
        raise ModelError(f"template miner state is damaged: {exc!r}") from None
    return miner
