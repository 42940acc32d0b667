"""`rca train` and `rca predict`: thin wrappers over :mod:`rca.api` (failure prediction)."""

from __future__ import annotations

from pathlib import Path
from typing import List, Optional

import typer

from rca.cli._common import FORCE_HELP, err_console, handle_errors, out_console, outputs

TRAIN_HELP = """
Train a failure-prediction model from a declarative config (TOML).

The config says what to read, how to cut it into sessions or time windows, which features and model to use, how to split for evaluation and where to write the model (see pipelines/README.md).

The model folder <models>/<name>/<version>/ holds model.joblib, metrics.json, manifest.json (SHA-256 of every artifact, model id, package versions, feature names, training-data fingerprint, the config) and manifest.sig (HMAC of the manifest under the signing key in the data directory or $RCA_MODEL_KEY; predict refuses a folder whose signature or checksums do not match).

Example: [bold]rca train --config pipelines/hdfs_sessions.toml[/]
"""

PREDICT_HELP = """
Score sessions or windows with a trained model: one CSV row per session/window with id, score (higher = more anomalous) and prediction.

prediction is 0/1; for a model trained with model.target = "type" it is the failure type (a class name from the training labels, "normal" for normal sessions), and the summary counts the sessions whose type is not normal.

--threshold sets the alarm threshold on the score column (overriding the config's model.threshold and the threshold learned from training data, e.g. from model.target_far).

INPUT is read the way the model's training input was (a sessions CSV, sequence files, a structured CSV or raw logs); a header line in a headerless sequences file is detected and skipped. The model's checksums are verified before it is loaded; a changed file is refused.

Example: [bold]rca predict --model models/hdfs_sessions/v1 sessions.csv --out scores.csv[/]
"""


def register(app: typer.Typer) -> None:
    """Add ``rca train`` and ``rca predict`` to the app."""
    app.command("train", help=TRAIN_HELP)(train)
    app.command("predict", help=PREDICT_HELP)(predict)


def _fmt(value) -> str:
    return "-" if value is None else str(value)


@handle_errors
def train(
    config: Path = typer.Option(..., "--config", "-c", help="Training config (TOML)."),
    models_dir: Optional[Path] = typer.Option(
        None, "--models-dir", help="Write under this folder instead of the config's output.dir."),
    version: Optional[str] = typer.Option(None, "--version", help="Version name (default vN)."),
) -> None:
    from rca import api

    result = api.train_model(config, models_dir=models_dir, version=version)
    out_console.print(f"model written to {result.folder}")
    for split in ("train", "test"):
        m = result.metrics.get(split)
        if not m or "f1" not in m:
            continue
        line = (f"{split}: n={m['n']} positives={m.get('positives')} alarms={m.get('alarms')} "
                f"precision={_fmt(m.get('precision'))} recall={_fmt(m.get('recall'))} "
                f"F1={_fmt(m.get('f1'))}")
        if "average_precision" in m:
            line += (f" AP={m['average_precision']} (base rate {m['base_rate']}, "
                     f"p={m['ap_p_value']})")
        if "median_lead_seconds" in m:
            line += (f" median_lead_s={_fmt(m['median_lead_seconds'])} "
                     f"warned={m.get('bursts_warned')}/{m.get('failure_bursts')} bursts")
        out_console.print(line)
    for warning in result.metrics.get("warnings", []):
        err_console.print(f"[bold yellow]{warning}[/]", markup=True, soft_wrap=True)


@handle_errors
def predict(
    inputs: List[Path] = typer.Argument(..., metavar="INPUT", help="Files to score."),
    model: Path = typer.Option(..., "--model", "-m", help="Model folder (models/<name>/<version>)."),
    out: Path = typer.Option(..., "--out", "-o", help="Write the scores CSV here."),
    threshold: Optional[float] = typer.Option(
        None, "--threshold", help="Alarm when score >= this (overrides the model's threshold)."),
    force: bool = typer.Option(False, "--force", help=FORCE_HELP),
) -> None:
    from rca import api

    with outputs([(out, "csv", "--out")], [*inputs, model], force) as (tmp,):
        scores = api.predict_to_csv(model, inputs, tmp, threshold=threshold)
    for name in scores.attrs.get("header_skipped", []):
        out_console.print(f"{name}: first line is a header, skipped")
    alarms = int((~scores["prediction"].astype(str).isin(["0", "normal"])).sum())
    out_console.print(f"{len(scores)} scored, {alarms} predicted failing -> {out}")
