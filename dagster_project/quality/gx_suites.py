"""Run the Great Expectations suites in expectations/ on DataFrames read from DuckDB.

GX 1.x has no working DuckDB datasource, so the checks query DuckDB (only the columns a suite
needs) into pandas and validate that. GX is imported lazily: it costs seconds to import and the
Dagster definitions must load fast.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from dagster_project.privacy import CONTACT_COLUMNS, mask_contact_value
from dagster_project.settings import EXPECTATIONS_DIR

MAX_EXAMPLES = 5


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
        return f"{self.suite} on {self.table} ({self.rows} rows): " + "; ".join(lines)


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


@lru_cache(maxsize=1)
def _batch_definition():
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
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
    """The suite on the frame, each set of expectations on the columns it reads alone: GX copies the
    whole frame it is given to drop a column's nulls, once per expectation (on 2 M rows of intent the
    suite took 1.76 s on all its columns, 1.06 s this way; the outcomes are the same)."""
    document = load_suite_document(name)
    frame = _with_nanosecond_datetimes(frame)
    outcome = SuiteOutcome(name, table, len(frame))
    for columns, expectations in _by_columns(document["expectations"]).items():
        subset = frame[list(columns)] if columns and set(columns) <= set(frame.columns) else frame
        for item in _validate_frame(document, expectations, subset, parameters).results:
            outcome.outcomes.append(_outcome_of(item))
    return outcome


def _by_columns(expectations: list[dict]) -> dict[tuple[str, ...], list[dict]]:
    """Expectations grouped by the columns they read, in the suite's order (a table-wide one reads none)."""
    groups: dict[tuple[str, ...], list[dict]] = {}
    for expectation in expectations:
        groups.setdefault(columns_read(expectation), []).append(expectation)
    return groups


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
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, float) and value != value:
        return None
    return value
