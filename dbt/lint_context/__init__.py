"""What sqlfluff's Jinja templater needs to render the dbt models as DuckDB SQL without running dbt.

sqlfluff puts this module's names in the Jinja context (`library_path` in .sqlfluff), next to its
own stand-ins for ref, source, config and is_incremental. The models read the real scoring rules,
so loops over topics, bands and plays render as they do in a run; dbt's cross-database macros
render the way dbt-duckdb writes them.
"""

from __future__ import annotations

import datetime as _datetime
from pathlib import Path

import yaml
from jinja2 import Undefined, pass_context

_RULES = Path(__file__).resolve().parents[2] / "config" / "scoring.yml"

execute = False  # as during dbt's parse: no queries, and the as-of dates are placeholders


def var(name, default=None):
    if name == "scoring":
        return yaml.safe_load(_RULES.read_text())
    return default if default is not None else False


def env_var(name, default=""):
    return default or "placeholder"


def run_query(sql):  # never called while execute is false
    raise RuntimeError("run_query is not available while linting")


class modules:  # noqa: N801 - the name dbt gives it
    datetime = _datetime


class exceptions:  # noqa: N801 - the name dbt gives it
    @staticmethod
    def raise_compiler_error(message):
        raise RuntimeError(message)


class adapter:  # noqa: N801 - the name dbt gives it
    @staticmethod
    @pass_context
    def dispatch(context, name, package=None):
        """The DuckDB implementation of a dispatched project macro, else its default."""
        found = context.resolve(f"duckdb__{name}")
        return context.resolve(f"default__{name}") if isinstance(found, Undefined) else found


class dbt:  # noqa: N801 - dbt's cross-database macros, written as dbt-duckdb writes them
    @staticmethod
    def dateadd(datepart, interval, from_date_or_timestamp):
        return f"({from_date_or_timestamp} + cast({interval} as bigint) * interval 1 {datepart})"

    @staticmethod
    def datediff(first_date, second_date, datepart):
        return f"(date_diff('{datepart}', ({first_date})::timestamp, ({second_date})::timestamp))"

    @staticmethod
    def listagg(measure, delimiter_text="','", order_by_clause=None, limit_num=None):
        return f"string_agg({measure}, {delimiter_text} {order_by_clause or ''})"

    @staticmethod
    def split_part(string_text, delimiter_text, part_number):
        return f"split_part({string_text}, {delimiter_text}, {part_number})"

    @staticmethod
    def type_string():
        return "varchar"

    @staticmethod
    def bool_or(expression):
        return f"bool_or({expression})"

    @staticmethod
    def date_spine(datepart, start_date, end_date):
        return (
            f"select cast(range as date) as date_{datepart} "
            f"from range(cast({start_date} as timestamp), cast({end_date} as timestamp), interval 1 {datepart})"
        )
