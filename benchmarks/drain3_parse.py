"""The baseline ``rca parse`` is timed against: a plain drain3 script, run as a process.

    python benchmarks/drain3_parse.py LOG OUT.csv --log-format FMT --settings JSON

It reads LOG, splits each line's header with the Loghub format string (the logparser regex:
fields as named groups), mines the Content with drain3 (masking regexes, ``st`` and ``depth``
from the JSON settings, i.e. Drain's published per-system settings) and writes the same
columns as ``rca parse --out`` (source, line, timestamp, service, host, level, template_id,
template, message, flags) with ``csv.writer``. The timestamp is the header's time text as it
stands (no parsing), which only makes the baseline cheaper.
"""

from __future__ import annotations

import argparse
import csv
import json
import re
from pathlib import Path


def format_regex(log_format: str) -> re.Pattern[str]:
    """logparser's ``generate_logformat_regex``."""
    parts = re.split(r"(<[^<>]+>)", log_format)
    pattern = ""
    for k, part in enumerate(parts):
        if k % 2 == 0:
            pattern += re.sub(" +", r"\\s+", part)
        else:
            name = part.strip("<>")
            pattern += f"(?P<{name}>.*?)"
    return re.compile("^" + pattern + "$")


def main(argv: list[str] | None = None) -> int:
    from drain3 import TemplateMiner
    from drain3.masking import MaskingInstruction
    from drain3.template_miner_config import TemplateMinerConfig

    ap = argparse.ArgumentParser()
    ap.add_argument("log")
    ap.add_argument("out")
    ap.add_argument("--log-format", required=True)
    ap.add_argument("--settings", required=True, help="JSON: {regex: [...], st, depth}")
    args = ap.parse_args(argv)
    setting = json.loads(args.settings)
    cfg = TemplateMinerConfig()
    cfg.drain_sim_th = float(setting["st"])
    cfg.drain_depth = int(setting["depth"])
    cfg.masking_instructions = [MaskingInstruction(rx, "*") for rx in setting["regex"]]
    cfg.mask_prefix, cfg.mask_suffix = "<", ">"
    cfg.profiling_enabled = False
    miner = TemplateMiner(persistence_handler=None, config=cfg)
    rx = format_regex(args.log_format)
    source, service = args.log, Path(args.log).stem
    with open(args.log, encoding="utf-8", errors="replace") as f, \
            open(args.out, "w", newline="", encoding="utf-8") as out:
        w = csv.writer(out)
        w.writerow(("source", "line", "timestamp", "service", "host", "level", "template_id",
                    "template", "message", "flags"))
        for n, line in enumerate(f, 1):
            line = line.rstrip("\r\n")
            m = rx.match(line)
            g = m.groupdict() if m else {}
            content = g.get("Content", line)
            r = miner.add_log_message(content)
            ts = " ".join(g[k] for k in ("Date", "Time") if g.get(k))
            w.writerow((source, n, ts, service, "", g.get("Level", ""), r["cluster_id"],
                        r["template_mined"], content, "" if m else "unparsed"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
