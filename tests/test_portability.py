"""The models stay portable: DuckDB-only SQL belongs in a dispatched macro (dbt/macros/portable.sql),
never in a model, so that another engine (issue 17: Spark) can supply its own version."""

from __future__ import annotations

import re

from dagster_project.settings import DBT_PROJECT_DIR

# Constructs DuckDB accepts and Spark SQL does not (or reads differently).
DUCKDB_ONLY = {
    "a :: cast": r"::",
    "regexp_matches": r"\bregexp_matches\s*\(",
    "list functions": r"\blist_\w+\s*\(|\blist\s*\(",
    "struct literals": r"\bstruct_pack\s*\(|\{\s*'\w+'\s*:",
    "exclude in a select": r"\*\s*exclude\b",
    "qualify": r"\bqualify\b",
    "date_diff / date_add": r"\bdate_(diff|add|sub)\s*\(",
    "arg_max / arg_min": r"\barg_(max|min)\s*\(",
    "strftime / strptime": r"\bstr[fp]time\s*\(",
    "lambdas": r"\w+\s*->\s*\w+",
    "aggregate filter": r"\bfilter\s*\(\s*where\b",
    "glob / read_parquet": r"\b(glob|read_parquet|read_csv)\s*\(",
    "varchar without a length in a cast": r"\bas\s+varchar\s*\)",
}


def sql_of(text: str) -> str:
    """The model's own SQL: Jinja expressions, statements and comments removed."""
    for pattern in (r"\{\{.*?\}\}", r"\{%.*?%\}", r"\{#.*?#\}", r"--[^\n]*"):
        text = re.sub(pattern, " ", text, flags=re.S)
    return text


def test_no_model_uses_duckdb_only_sql_outside_a_dispatched_macro():
    found = []
    for path in sorted((DBT_PROJECT_DIR / "models").rglob("*.sql")):
        sql = sql_of(path.read_text()).lower()
        found += [f"{path.relative_to(DBT_PROJECT_DIR)}: {name}" for name, pattern in DUCKDB_ONLY.items() if re.search(pattern, sql)]
    assert not found, "DuckDB-only SQL in models (move it into a dispatched macro):\n" + "\n".join(found)


def test_the_lint_finds_what_it_looks_for():
    sample = "select a::int, arg_max(b, c), list_sort(d), x.* exclude (y) from t qualify 1 -- date_diff( in a comment"
    hits = {name for name, pattern in DUCKDB_ONLY.items() if re.search(pattern, sql_of(sample))}
    assert hits == {"a :: cast", "arg_max / arg_min", "list functions", "exclude in a select", "qualify"}


def test_the_tier_list_is_spelled_once_and_dbt_reads_it_from_python():
    from dagster_project.settings import REPO_ROOT
    from dagster_project.tiers import TIERS
    from dagster_project.transform.dbt_args import dbt_vars

    assert dbt_vars({})["tiers"] == list(TIERS), "dbt's tier_names() reads the tiers var"
    spelled = re.compile(r"tier_1['\"]?,\s*['\"]?tier_2")  # a list of the tiers written out again
    files = [
        *(REPO_ROOT / "dagster_project").rglob("*.py"),
        *DBT_PROJECT_DIR.glob("[mt]*/**/*.sql"),
        *DBT_PROJECT_DIR.glob("models/**/*.yml"),
        *DBT_PROJECT_DIR.glob("macros/*.sql"),
        *(REPO_ROOT / "expectations").glob("*.json"),
    ]
    again = [str(path.relative_to(REPO_ROOT)) for path in files if spelled.search(path.read_text()) and path.name != "tiers.py"]
    assert not again, f"the tiers listed outside dagster_project/tiers.py: {again}"
