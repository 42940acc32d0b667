"""CSV in and out through Arrow: the same cells as pandas' C parser and writer, several times
faster on large files (``rca score`` reads and writes every row it scores).

>>> import tempfile, pathlib, pandas as pd
>>> p = pathlib.Path(tempfile.mkdtemp()) / "m.csv"
>>> _ = p.write_text('time,a,note\\n1,2.5,"x, y"\\n2,,\\n')
>>> frame = read_csv_text(p)
>>> frame.to_dict("list")
{'time': ['1', '2'], 'a': ['2.5', ''], 'note': ['x, y', '']}
>>> write_csv(frame.assign(score=[0.5, 1.0]), p.with_suffix(".out"))
>>> print(p.with_suffix(".out").read_text().strip())
time,a,note,score
1,2.5,"x, y",0.5
2,,,1.0
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from rca.errors import InputError


def read_csv_text(path: str | Path, keep_default_na: bool = False) -> pd.DataFrame:
    """Every cell as a string, in file order: empty cells stay ``""``, or, with
    ``keep_default_na``, pandas' usual missing-value words become NaN. Raises
    :class:`InputError` for an empty or unreadable file."""
    path = Path(path)
    if not keep_default_na:  # the common, large case (``rca score``): Arrow first
        try:
            return pd.read_csv(path, dtype=str, keep_default_na=False, engine="pyarrow")
        except pd.errors.EmptyDataError as exc:
            raise InputError(f"{path}: empty file") from exc
        except Exception:  # noqa: BLE001 - Arrow's errors vary; the C parser says what is wrong
            pass
    try:
        return pd.read_csv(path, dtype=str, keep_default_na=keep_default_na)
    except pd.errors.EmptyDataError as exc:
        raise InputError(f"{path}: empty file") from exc
    except ValueError as exc:  # ParserError, UnicodeDecodeError, bad options
        raise InputError(f"{path}: not a readable CSV ({str(exc).splitlines()[0]})") from exc


def write_csv(frame: pd.DataFrame, path: str | Path) -> None:
    """Write ``frame`` (no index) as pandas would: text quoted only where it holds a comma,
    quote or line break; numbers as their shortest repr."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.csv as pcsv

    table = pa.Table.from_pandas(frame, preserve_index=False)
    needs = False
    for col in table.columns:
        if pa.types.is_string(col.type) or pa.types.is_large_string(col.type):
            if pc.any(pc.match_substring_regex(col, r'[",\r\n]')).as_py():
                needs = True
                break
    if needs:  # Arrow would quote every string: let pandas quote only what needs it
        frame.to_csv(path, index=False)
        return
    import csv
    import io

    head = io.StringIO()
    csv.writer(head, lineterminator="\n").writerow([str(c) for c in frame.columns])
    with open(path, "wb") as fh:  # Arrow quotes header names: write them the CSV way
        fh.write(head.getvalue().encode("utf-8"))
        pcsv.write_csv(table, fh, write_options=pcsv.WriteOptions(
            include_header=False, quoting_style="none"))
