"""Run the Great Expectations suites in expectations/ on DataFrames read from DuckDB.

GX 1.x has no working DuckDB datasource, so the checks query DuckDB (only the columns a suite
needs) into pandas and validate that. The expectations GX is slowest at on millions of rows
(SQL_EXPECTATIONS) run as SQL in DuckDB on the same rows instead, with GX's semantics and outcome.
GX is imported lazily: it costs seconds to import and the Dagster definitions must load fast.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import threading
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from dagster_project.privacy import CONTACT_COLUMNS, mask_contact_value
from dagster_project.scratch import in_memory_duckdb
from dagster_project.settings import EXPECTATIONS_DIR

MAX_EXAMPLES = 5
# Uniqueness runs in DuckDB: pandas took 15.6 s and ~3 GB of factorised keys for compound uniqueness
# on the 22 M intent rows of 1 M accounts; DuckDB hashes the same rows in ~4 s.
SQL_EXPECTATIONS = frozenset({"expect_compound_columns_to_be_unique", "expect_column_values_to_be_unique"})


@dataclass
class ExpectationOutcome:
    expectation: str
    column: str | None
    success: bool
    blocking: bool
    unexpected_count: int | None
    examples: list[Any]
    observed: Any
    notes: str | None
    unmasked_examples: list[Any] = field(default_factory=list, repr=False)  # to find the rows, never shown
    found_in: str | None = None  # the export files and rows the failing values are on

    def describe(self) -> str:
        subject = f"{self.expectation}({self.column})" if self.column else self.expectation
        if self.success:
            return f"{subject}: passed"
        detail = []
        if self.unexpected_count is not None:
            detail.append(f"{self.unexpected_count} failing rows")
        if self.examples:
            detail.append(f"e.g. {self.examples}")
        if self.observed is not None and not self.examples:
            detail.append(f"observed {self.observed}")
        if self.found_in:
            detail.append(f"in {self.found_in}")
        return f"{subject}: FAILED ({'; '.join(detail) or 'see GX result'})" + (f" - {self.notes}" if self.notes else "")


@dataclass
class SuiteOutcome:
    suite: str
    table: str
    rows: int
    outcomes: list[ExpectationOutcome] = field(default_factory=list)
    explanation: str | None = None  # the failure in words, said before the expectations' details
    delivery: tuple[str, str] | None = None  # (source, export date) of a raw export's suite: what to quarantine

    @property
    def failures(self) -> list[ExpectationOutcome]:
        return [o for o in self.outcomes if not o.success]

    @property
    def blocking_failures(self) -> list[ExpectationOutcome]:
        return [o for o in self.failures if o.blocking]

    @property
    def passed(self) -> bool:
        return not self.failures

    def summary(self) -> str:
        if self.passed:
            return f"{self.suite} on {self.table}: all {len(self.outcomes)} expectations passed on {self.rows} rows"
        lines = [o.describe() for o in self.failures]
        said = f"{self.explanation} | " if self.explanation else ""
        return f"{said}{self.suite} on {self.table} ({self.rows} rows): " + "; ".join(lines)


def query_frame(con: duckdb.DuckDBPyConnection, query: str) -> pd.DataFrame:
    """A query's rows for GX, through Arrow: DuckDB's own `.df()` took 4x as long on 20 M rows of text.
    Dates come back as datetime64, as from `.df()`, not as Python date objects."""
    return con.sql(query).to_arrow_table().to_pandas(date_as_object=False)


def suite_path(name: str) -> Path:
    return EXPECTATIONS_DIR / f"{name}.json"


def load_suite_document(name: str) -> dict:
    return json.loads(suite_path(name).read_text())


def suite_columns(name: str) -> list[str]:
    """The columns a suite reads, so checks load only those from DuckDB."""
    columns = [column for expectation in load_suite_document(name)["expectations"] for column in columns_read(expectation)]
    return list(dict.fromkeys(columns))


def columns_read(expectation: dict) -> tuple[str, ...]:
    kwargs = expectation["kwargs"]
    return tuple(column for column in [kwargs.get("column"), *kwargs.get("column_list", [])] if column)


_gx_ready = threading.Lock()


@lru_cache(maxsize=1)
def prepare_in_background() -> None:
    """Import GX and set up its context on a thread, once per process, for the suites that follow a
    run's ingest: ingest's work is DuckDB's, which leaves the interpreter free, so the 2.7 s import
    overlaps it instead of delaying the first suite. Any error is left for that suite to raise."""
    threading.Thread(target=_prepare_quietly, name="gx-import", daemon=True).start()


def _prepare_quietly() -> None:
    with contextlib.suppress(Exception):
        _batch_definition()


def _batch_definition():
    with _gx_ready:  # one import and one context, whichever thread asks first
        return _new_batch_definition()


@lru_cache(maxsize=1)
def _new_batch_definition():
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    # GX imports pyspark where it is installed (the spark extra), which warns that it does not yet
    # support pandas 3; GX validates pandas frames here and never reaches pyspark.
    warnings.filterwarnings("ignore", message="PySpark does not yet fully support pandas", category=FutureWarning)
    # pandas' note that a regular expression with groups only matches (what GX asks of it)
    warnings.filterwarnings("ignore", message="This pattern is interpreted as a regular expression", category=UserWarning)
    import great_expectations as gx
    from great_expectations.execution_engine import pandas_execution_engine

    # GX fingerprints every frame under 1 GB with an MD5 of pandas' row hashes, twice per validation,
    # for a batch marker nothing here reads: a third of a suite's time on 2 M rows. Frames of 1 GB and
    # more it already leaves unhashed, so no validation depends on it.
    pandas_execution_engine.HASH_THRESHOLD = 0
    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = {"globally": False, "metric_calculations": False}
    source = context.data_sources.add_pandas("abm_frames")
    return source.add_dataframe_asset("frame").add_batch_definition_whole_dataframe("whole_frame")


def validate(name: str, table: str, frame: pd.DataFrame, parameters: dict[str, Any] | None = None) -> SuiteOutcome:
    """The suite on a frame (its SQL expectations too, DuckDB reading the frame)."""
    return _validate(name, table, frame, lambda con, columns: _columns_of(frame, columns), parameters)


def validate_parquet(name: str, table: str, parquet: str, parameters: dict[str, Any] | None = None) -> SuiteOutcome:
    """The suite on Parquet files (a glob): the SQL expectations read the files in DuckDB, and GX gets
    a frame of each group's columns in turn, read from the files, so memory holds one group's columns
    at a time (the files are columnar: reading a column alone costs what it costs with others)."""
    return _validate(name, table, parquet, lambda con, columns: _load_columns(con, columns or suite_columns(name)), parameters)


def _columns_of(frame: pd.DataFrame, columns: tuple[str, ...]) -> pd.DataFrame:
    """The frame's columns an expectation reads (all of them when it reads none or one is missing,
    so that GX reports the missing column)."""
    return frame[list(columns)] if columns and set(columns) <= set(frame.columns) else frame


def _load_columns(con: duckdb.DuckDBPyConnection, columns: tuple[str, ...] | list[str]) -> pd.DataFrame:
    """Columns of the registered rows (`validated`, the files' view), read from the files alone."""
    quoted = ", ".join(f'"{column}"' for column in columns)
    return query_frame(con, f"select {quoted} from validated")


def _validate(
    name: str,
    table: str,
    rows: pd.DataFrame | str,
    load: Callable[[duckdb.DuckDBPyConnection, tuple[str, ...]], pd.DataFrame],
    parameters: dict[str, Any] | None,
) -> SuiteOutcome:
    """Each set of a suite's expectations on the columns it reads alone: GX copies the whole frame it
    is given to drop a column's nulls, once per expectation (on 2 M rows of intent the suite took
    1.76 s on all its columns, 1.06 s this way; the outcomes are the same). Outcomes in the suite's order."""
    document = load_suite_document(name)
    with in_memory_duckdb() as con:
        _register_rows(con, rows)
        outcome = SuiteOutcome(name, table, con.execute("select count(*) from validated").fetchall()[0][0])
        for (columns, in_sql), expectations in _by_columns(document["expectations"]).items():
            if in_sql:
                outcome.outcomes.extend(_sql_outcome(con, expectation) for expectation in expectations)
            else:
                outcome.outcomes.extend(_gx_outcomes(document, expectations, load(con, columns), parameters))
    return outcome


def _gx_outcomes(document: dict, expectations: list[dict], frame: pd.DataFrame, parameters: dict[str, Any] | None) -> list:
    frame = _with_nanosecond_datetimes(frame)
    return [_outcome_of(item) for item in _validate_frame(document, expectations, frame, parameters).results]


def _by_columns(expectations: list[dict]) -> dict[tuple[tuple[str, ...], bool], list[dict]]:
    """Expectations grouped by the columns they read and whether they run in SQL, in the suite's order
    (a table-wide one reads none)."""
    groups: dict[tuple[tuple[str, ...], bool], list[dict]] = {}
    for expectation in expectations:
        groups.setdefault((columns_read(expectation), expectation["type"] in SQL_EXPECTATIONS), []).append(expectation)
    return groups


def _sql_outcome(con: duckdb.DuckDBPyConnection, expectation: dict) -> ExpectationOutcome:
    """An expectation of SQL_EXPECTATIONS on the rows registered as `validated`."""
    kwargs, meta = expectation["kwargs"], expectation.get("meta") or {}
    columns = list(columns_read(expectation))
    present = {column for (column, *_) in con.execute("describe select * from validated").fetchall()}
    missing = [column for column in columns if column not in present]
    repeated = None if missing else _repeated_combinations(con, columns, kwargs.get("mostly", 1))
    unexpected, rows_failing, success = repeated or (None, [], False)
    unmasked = [_example(kwargs, row) for row in rows_failing]
    return ExpectationOutcome(
        expectation=expectation["type"],
        column=",".join(columns),
        success=success,
        blocking=bool(meta.get("blocking", True)),
        unexpected_count=unexpected,
        examples=_shown(kwargs, unmasked),
        unmasked_examples=unmasked,
        observed=None,
        notes=meta.get("notes") or (f'the column "{missing[0]}" does not exist' if missing else None),
    )


def _register_rows(con: duckdb.DuckDBPyConnection, rows: pd.DataFrame | str) -> None:
    """A frame or a Parquet glob as the view `validated`, with `_rows_order`: the order GX sees the
    rows in the frame (DuckDB reads a glob's files in name order, each file's rows in order)."""
    if isinstance(rows, pd.DataFrame):
        con.register("validated", rows.assign(_rows_order=range(len(rows))))
    else:
        con.execute(
            f"""create temp view validated as select *, (filename, file_row_number) as _rows_order
                from read_parquet('{rows}', union_by_name = true, filename = true, file_row_number = true)"""
        )


def _repeated_combinations(con: duckdb.DuckDBPyConnection, columns: list[str], mostly: float) -> tuple[int, list, bool]:
    """Uniqueness as GX evaluates it: rows whose columns are all null are left out (GX's default for a
    compound, what it does with a single column's nulls), every other row whose combination occurs
    more than once fails (nulls equal). Returns the failing rows, the first of them in the rows' order
    as tuples, and success. One pass counts a hash of each combination; only rows whose hash repeats
    are compared in full."""
    quoted = ", ".join(f'"{column}"' for column in columns)
    combination = "struct_pack(" + ", ".join(f'"{column}" := "{column}"' for column in columns) + ")"
    all_null = " and ".join(f'"{column}" is null' for column in columns)
    con.execute(f"create or replace temp view considered as select {quoted}, _rows_order from validated where not ({all_null})")
    con.execute(
        f"create or replace temp table repeated_hashes as select hash({quoted}) as h from considered group by h having count(*) > 1"
    )
    if not con.execute("select count(*) from repeated_hashes").fetchall()[0][0]:
        return 0, [], True
    con.execute(
        f"""create or replace temp table repeated as select {combination} as combination, count(*) as n from considered
            where hash({quoted}) in (select h from repeated_hashes) group by combination having count(*) > 1"""
    )
    unexpected = con.execute("select coalesce(sum(n), 0) from repeated").fetchall()[0][0]
    examples = con.execute(
        f"""select {quoted} from considered where {combination} in (select combination from repeated)
            order by _rows_order limit {MAX_EXAMPLES}"""
    ).fetchall()
    success = mostly < 1 and _share_unique(con, unexpected) >= mostly
    return unexpected, examples, success


def _example(kwargs: dict, row: tuple) -> Any:
    """A failing row as GX lists it: a compound's as a dict of its columns, a column's as its value."""
    values = [_as_in_frame(value) for value in row]
    return _plain(dict(zip(kwargs["column_list"], values, strict=True)) if "column_list" in kwargs else values[0])


def _as_in_frame(value: Any) -> Any:
    """A value as GX sees it in the frame: query_frame turns dates into datetimes."""
    return dt.datetime.combine(value, dt.time()) if type(value) is dt.date else value


def _share_unique(con: duckdb.DuckDBPyConnection, unexpected: int) -> float:
    considered = con.execute("select count(*) from considered").fetchall()[0][0]
    return (considered - unexpected) / considered


def _validate_frame(document: dict, expectations: list[dict], frame: pd.DataFrame, parameters: dict[str, Any] | None):
    import great_expectations as gx

    suite = gx.ExpectationSuite(name=document["name"], expectations=expectations, meta=document.get("meta", {}))
    batch = _batch_definition().get_batch(batch_parameters={"dataframe": frame})
    return batch.validate(suite, expectation_parameters=parameters or {}, result_format="SUMMARY")


def _outcome_of(item) -> ExpectationOutcome:
    config = item.expectation_config
    details = item.result or {}
    raised = (item.exception_info or {}).get("raised_exception")
    unmasked = _first_examples(details)
    return ExpectationOutcome(
        expectation=config.type,
        column=config.kwargs.get("column") or ",".join(config.kwargs.get("column_list", [])) or None,
        success=bool(item.success) and not raised,
        blocking=bool((config.meta or {}).get("blocking", True)),
        unexpected_count=details.get("unexpected_count"),
        examples=_shown(config.kwargs, unmasked),
        unmasked_examples=unmasked,
        observed=_plain(details.get("observed_value")),
        notes=(config.meta or {}).get("notes") or ((item.exception_info or {}).get("exception_message") if raised else None),
    )


def _first_examples(details: dict) -> list:
    return [_plain(v) for v in (details.get("partial_unexpected_list") or [])[:MAX_EXAMPLES]]


def _shown(kwargs: dict, examples: list) -> list:
    """Examples as people see them: contact columns' values masked."""
    columns = {kwargs.get("column"), *kwargs.get("column_list", [])}
    return [mask_contact_value(v) for v in examples] if columns & CONTACT_COLUMNS else examples


def _with_nanosecond_datetimes(frame: pd.DataFrame) -> pd.DataFrame:
    """GX compares datetimes vectorised only at nanosecond resolution. DuckDB hands pandas microseconds,
    which GX compares row by row in Python: 37 s instead of under 1 s for one expectation on 20 M rows.
    A column with dates outside what nanoseconds can hold (1677-2262) keeps the slow, exact path."""
    columns = {}
    for name, dtype in frame.dtypes.items():
        if pd.api.types.is_datetime64_dtype(dtype) and dtype != "datetime64[ns]":
            try:
                columns[name] = frame[name].astype("datetime64[ns]")
            except (pd.errors.OutOfBoundsDatetime, OverflowError):
                continue
    return frame.assign(**columns) if columns else frame


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _plain(v) for key, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, float) and value != value:
        return None
    return value
