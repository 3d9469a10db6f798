"""Publish the served tables to PostgreSQL with each candidate library, and time it.

    python bench/postgres.py --accounts 1000000 [--work DIR]      # needs `pip install -e '.[bench]'`

In a fresh data folder: the generator's exports for one day, one nightly run (the serving file), a
PostgreSQL server of its own (Debian's binaries, as the tests start one). Then the serving file's
tables written to a database, each way in a process of its own (wall time and peak resident
memory of that process):

- adbc: what the pipeline does (`dagster_project/publish/postgres.py`): Arrow batches from DuckDB
  into ADBC's PostgreSQL driver (binary COPY), the views, comments and switch included;
- adbc again: the next night's publish, where the history's date is unchanged;
- psycopg: psycopg 3's COPY of the CSV DuckDB writes, tables created from DuckDB's column types
  (the tables only: no views, comments or switch).

dlt's postgres destination was not measured: it loads through its own normalise step and files.
"""

from __future__ import annotations

import argparse
import ast
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from run import BIN, END, REPO, workspace  # noqa: E402

PG_TYPES = {"VARCHAR": "text", "BIGINT": "bigint", "INTEGER": "integer", "DOUBLE": "double precision", "DATE": "date", "BOOLEAN": "boolean"}


def publish_with_adbc(serving: Path, url: str) -> dict:
    from dagster_project.publish import postgres
    from dagster_project.publish.serving import published_docs

    version = postgres.build(url, serving, published_docs())
    postgres.switch(url, version)
    return {"rows": sum(version.row_counts.values()), "history_dates_written": len(version.history_dates_written)}


def publish_with_psycopg(serving: Path, url: str) -> dict:
    import duckdb
    import psycopg

    rows = 0
    with duckdb.connect(str(serving), read_only=True) as served, psycopg.connect(url) as con, tempfile.TemporaryDirectory() as scratch:
        con.execute("drop schema if exists bench_psycopg cascade")
        con.execute("create schema bench_psycopg")
        for (table,) in served.execute("select table_name from duckdb_tables() where schema_name = 'main'").fetchall():
            columns = served.execute(f"describe main.{table}").fetchall()
            typed = ", ".join(f'"{name}" {PG_TYPES.get(kind.split("(")[0], "text")}' for name, kind, *_ in columns)
            con.execute(f"create table bench_psycopg.{table} ({typed})")
            csv = Path(scratch) / f"{table}.csv"
            served.execute(f"copy main.{table} to '{csv}' (header false)")
            with con.cursor().copy(f"copy bench_psycopg.{table} from stdin (format csv)") as copy, open(csv, "rb") as data:
                while chunk := data.read(1 << 20):
                    copy.write(chunk)
            rows += served.execute(f"select count(*) from main.{table}").fetchone()[0]
        con.commit()
    return {"rows": rows}


def measured(method: str, serving: Path, url: str) -> dict:
    """One publish in a process of its own: its seconds (the libraries already imported) and the
    process's peak resident memory."""
    done = subprocess.run(
        [sys.executable, __file__, "--publish-with", method, "--serving", str(serving), "--url", url],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    if done.returncode:
        raise SystemExit(f"{method} failed:\n{done.stderr[-3000:]}")
    said = ast.literal_eval(done.stdout.strip().splitlines()[-1])
    return {"seconds": said.pop("seconds"), "peak_gib": said.pop("peak_gib"), "said": said}


def postgres_server(root: Path) -> tuple[str, callable]:
    sys.path.insert(0, str(REPO))
    from tests.conftest import as_postgres, free_port

    bin_dir = Path(sorted(Path("/usr/lib/postgresql").glob("*/bin"))[-1])
    data, sockets = root / "pg" / "data", root / "pg" / "sock"
    sockets.mkdir(parents=True)
    if os.geteuid() == 0:
        for path in (root / "pg", sockets):
            shutil.chown(path, "postgres")
    port = free_port()
    subprocess.run(as_postgres(str(bin_dir / "initdb"), "-D", str(data), "-U", "abm", "--auth=trust"), check=True, capture_output=True)
    options = f"-p {port} -h 127.0.0.1 -k {sockets} -c shared_buffers=1GB -c max_wal_size=4GB"
    subprocess.run(
        as_postgres(str(bin_dir / "pg_ctl"), "-D", str(data), "-l", str(root / "pg" / "log"), "-w", "-o", options, "start"), check=True
    )
    subprocess.run(as_postgres(str(bin_dir / "createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", "abm", "tiers"), check=True)

    def stop():
        subprocess.run(as_postgres(str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "fast", "stop"), capture_output=True)

    return f"postgresql://abm@127.0.0.1:{port}/tiers", stop


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--accounts", type=int, default=100_000)
    parser.add_argument("--work", default=None, help="scratch folder (default: a temporary folder, under /tmp for the postgres user)")
    parser.add_argument("--publish-with", choices=("adbc", "psycopg"), help=argparse.SUPPRESS)
    parser.add_argument("--serving", help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.publish_with:
        publish = {"adbc": publish_with_adbc, "psycopg": publish_with_psycopg}[args.publish_with]
        import duckdb  # noqa: F401 - imported before the clock starts, as a run has it
        import psycopg  # noqa: F401

        from dagster_project.publish import postgres, serving  # noqa: F401
        from dagster_project.transform.project import dbt_project  # noqa: F401

        started = time.perf_counter()
        said = publish(Path(args.serving), args.url)
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / 2**30
        print({**said, "seconds": round(time.perf_counter() - started, 1), "peak_gib": round(peak, 2)})
        return 0

    root = Path(args.work or tempfile.mkdtemp(prefix="abm-bench-pg-"))
    root.mkdir(parents=True, exist_ok=True)
    env = workspace(root, "data")
    subprocess.run(
        [str(BIN / "abm"), "generate", "--accounts", str(args.accounts), "--days", "1", "--end", END.isoformat()], env=env, check=True
    )
    subprocess.run([str(BIN / "abm"), "run", "--date", END.isoformat()], env=env, check=True, capture_output=True)
    serving = (Path(env["ABM_DATA_DIR"]) / "published" / "serving.duckdb").resolve()
    url, stop = postgres_server(root)
    try:
        figures = {
            "adbc (first publish)": measured("adbc", serving, url),
            "adbc (next night, history date unchanged)": measured("adbc", serving, url),
            "psycopg COPY of DuckDB's CSV (tables only)": measured("psycopg", serving, url),
        }
    finally:
        stop()
    print(f"{args.accounts:,} accounts, serving file {serving.stat().st_size / 2**20:,.0f} MiB")
    print("| publish | seconds | peak memory | |")
    print("|---|---:|---:|---|")
    for name, figure in figures.items():
        print(f"| {name} | {figure['seconds']} | {figure['peak_gib']} GiB | {figure['said']} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
