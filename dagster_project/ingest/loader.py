"""Load one export folder (landing/<source>/<date>/) into the canonical raw layer, all or nothing.

Every file is read by DuckDB's own readers, mapped by its header, parsed strictly and written as
Parquet into a scratch folder; only when every file of the export passes is the scratch folder
renamed over raw/<source>/export_date=<date>/. A failed export leaves the raw layer as it was.
"""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import json
import os
import shutil
import uuid
from dataclasses import asdict, dataclass, field
from pathlib import Path

import duckdb

from dagster_project.faults import pause_point
from dagster_project.ingest.mappings import Mapping, MappingError, match_header, mappings_for
from dagster_project.ingest.parsing import install_macros
from dagster_project.ingest.schemas import SCHEMAS, SourceSchema
from dagster_project.settings import Paths

CSV_SUFFIXES = (".csv", ".csv.gz", ".tsv", ".tsv.gz", ".txt", ".txt.gz")
PARQUET_SUFFIXES = (".parquet",)
JSON_SUFFIXES = (".jsonl", ".ndjson", ".json", ".jsonl.gz", ".ndjson.gz")
DEFAULT_MAX_REJECT_SHARE = 0.05


class ExportRejected(Exception):
    """An export that must not be loaded; the message names the file and the problem."""


@dataclass
class FileResult:
    file: str
    mapping: str
    rows: int
    rejects: int


@dataclass
class ExportResult:
    source: str
    export_date: str
    fingerprint: str
    files: list[FileResult] = field(default_factory=list)
    skipped: bool = False

    @property
    def rows(self) -> int:
        return sum(f.rows for f in self.files)

    @property
    def rejects(self) -> int:
        return sum(f.rejects for f in self.files)


def max_reject_share() -> float:
    return float(os.environ.get("ABM_MAX_REJECT_SHARE", DEFAULT_MAX_REJECT_SHARE))


def export_dates(paths: Paths, source: str, up_to: dt.date) -> list[dt.date]:
    """Export folders that landed for a source, oldest first, up to and including a date."""
    root = paths.landing / source
    if not root.is_dir():
        return []
    found = []
    for child in root.iterdir():
        try:
            day = dt.date.fromisoformat(child.name)
        except ValueError:
            continue
        if child.is_dir() and day <= up_to:
            found.append(day)
    return sorted(found)


def export_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.is_file() and not p.name.startswith("."))


def fingerprint(files: list[Path], extra: str = "") -> str:
    digest = hashlib.sha256(extra.encode())
    for path in files:
        stat = path.stat()
        digest.update(f"{path.name}|{stat.st_size}|{stat.st_mtime_ns}".encode())
    return digest.hexdigest()[:16]


def manifest_path(paths: Paths, source: str, export_date: dt.date) -> Path:
    return paths.raw / "_loads" / source / f"{export_date.isoformat()}.json"


def partition_dir(root: Path, source: str, export_date: dt.date) -> Path:
    return root / source / f"export_date={export_date.isoformat()}"


def load_export(
    paths: Paths, source: str, export_date: dt.date, mappings_file: Path | None, force: bool = False
) -> ExportResult:
    folder = paths.landing / source / export_date.isoformat()
    files = export_files(folder)
    if not files:
        raise ExportRejected(f"{folder}: the export folder holds no files")
    mappings = mappings_for(mappings_file)
    print_ = fingerprint(files, extra=_mappings_signature(mappings_file))
    manifest = manifest_path(paths, source, export_date)
    target = partition_dir(paths.raw, source, export_date)
    if not force and target.exists() and manifest.exists() and json.loads(manifest.read_text()).get("fingerprint") == print_:
        return ExportResult(source, export_date.isoformat(), print_, skipped=True)

    _remove_scratch_of_interrupted_loads(paths, source, export_date)
    scratch = paths.raw / ".scratch" / f"{source}-{export_date.isoformat()}-{uuid.uuid4().hex[:8]}"
    (scratch / "rows").mkdir(parents=True)
    (scratch / "rejects").mkdir(parents=True)
    result = ExportResult(source, export_date.isoformat(), print_)
    try:
        con = duckdb.connect()
        con.execute("set enable_progress_bar = false")
        install_macros(con)
        for index, path in enumerate(files):
            result.files.append(
                _load_file(con, SCHEMAS[source], mappings[source], path, export_date, scratch, index)
            )
        con.close()
        pause_point("ingest")
        _swap_into_place(scratch / "rows", target)
        _swap_into_place(scratch / "rejects", partition_dir(paths.rejects, source, export_date))
        manifest.parent.mkdir(parents=True, exist_ok=True)
        tmp_manifest = manifest.with_suffix(".tmp")
        tmp_manifest.write_text(json.dumps({**asdict(result), "loaded_at": dt.datetime.now(dt.UTC).isoformat()}))
        tmp_manifest.replace(manifest)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return result


def _remove_scratch_of_interrupted_loads(paths: Paths, source: str, export_date: dt.date) -> None:
    for leftover in (paths.raw / ".scratch").glob(f"{source}-{export_date.isoformat()}-*"):
        shutil.rmtree(leftover, ignore_errors=True)


def _mappings_signature(mappings_file: Path | None) -> str:
    if mappings_file and mappings_file.exists():
        return mappings_file.read_text()
    return ""


def _swap_into_place(new: Path, target: Path) -> None:
    """Replace target with new by renames; a crash in between leaves the old copy in .trash."""
    target.parent.mkdir(parents=True, exist_ok=True)
    trash = target.parent.parent / ".trash" / f"{target.parent.name}-{target.name}-{uuid.uuid4().hex[:8]}"
    if target.exists():
        trash.parent.mkdir(parents=True, exist_ok=True)
        target.rename(trash)
    new.rename(target)
    shutil.rmtree(trash, ignore_errors=True)


def _reader(path: Path) -> str:
    name = path.name.lower()
    quoted = str(path).replace("'", "''")
    if name.endswith(PARQUET_SUFFIXES):
        return f"read_parquet('{quoted}')"
    if name.endswith(JSON_SUFFIXES):
        return f"read_json('{quoted}', format = 'newline_delimited')"
    if name.endswith(CSV_SUFFIXES):
        return (
            f"read_csv('{quoted}', header = true, all_varchar = true, store_rejects = true, "
            "rejects_table = 'csv_rejects', rejects_scan = 'csv_scans')"
        )
    raise ExportRejected(
        f"{path}: unsupported file type; expected one of {CSV_SUFFIXES + PARQUET_SUFFIXES + JSON_SUFFIXES}"
    )


def _check_text_encoding(path: Path, sample_bytes: int = 1 << 16) -> None:
    """CSV exports must be UTF-8 (a BOM is fine): say so plainly instead of loading mojibake."""
    try:
        opener = gzip.open if path.name.lower().endswith(".gz") else open
        with opener(path, "rb") as handle:
            head = handle.read(sample_bytes)
    except (OSError, EOFError) as error:
        raise ExportRejected(f"{path}: cannot be read: {error}") from error
    if head.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in head:
        raise ExportRejected(f"{path}: cannot be read: the file is UTF-16 or binary, expected UTF-8 text; re-export it as UTF-8 CSV")
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as error:
        if error.start < len(head) - 3:  # not just a character cut by the sample's end
            raise ExportRejected(
                f"{path}: cannot be read: not UTF-8 (byte 0x{head[error.start]:02x} at offset {error.start}); "
                "re-export it as UTF-8 CSV"
            ) from error


def _sql_string(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _ident(value: str) -> str:
    return '"' + value.replace('"', '""') + '"'


def _load_file(
    con: duckdb.DuckDBPyConnection,
    schema: SourceSchema,
    mappings: list[Mapping],
    path: Path,
    export_date: dt.date,
    scratch: Path,
    index: int,
) -> FileResult:
    con.execute("drop table if exists csv_rejects; drop table if exists csv_scans")
    if path.stat().st_size == 0:
        raise ExportRejected(f"{path}: the file is empty (expected a header and at least one row)")
    if path.name.lower().endswith(CSV_SUFFIXES):
        _check_text_encoding(path)
    try:
        con.execute(f"create or replace temp view source_file as select * from {_reader(path)}")
        described = con.execute("describe source_file").fetchall()
        header = [row[0] for row in described]
        json_columns = {row[0] for row in described if row[1] == "JSON"}
    except duckdb.Error as error:
        raise ExportRejected(f"{path}: cannot be read: {_first_line(error)}") from error
    try:
        match = match_header(schema.name, header, {schema.name: mappings}, str(path))
    except MappingError as error:
        raise ExportRejected(str(error)) from error

    stem = f"{index:03d}-{_safe_stem(path.name)}"
    parsed_file = _sql_string(str(scratch / f"{stem}.parsed.parquet"))
    try:
        query = _parse_query(schema, match.columns, json_columns, path, export_date)
        con.execute(f"copy ({query}) to {parsed_file} (format parquet)")
    except duckdb.Error as error:
        raise ExportRejected(f"{path}: cannot be read: {_first_line(error)}") from error
    # Rows keep the reader's order on the way in, so the position in the parsed file is the data row's
    # number in the export. Numbering them here costs nothing; a row_number() while parsing made the
    # whole parse wait for one thread (twice the time on a 20 M-row export).
    con.execute(
        "create or replace temp view parsed as select * exclude (file_row_number), file_row_number + 1 as _row_number "
        f"from read_parquet({parsed_file}, file_row_number = true)"
    )
    (rows, rejected) = con.execute("select count(*), count(_reject_reason) from parsed").fetchone()
    malformed = _malformed_lines(con)
    total = rows + len(malformed)
    if total == 0:
        raise ExportRejected(f"{path}: the file has a header but no data rows")
    rejects = rejected + len(malformed)
    share = rejects / total
    if share > max_reject_share():
        examples = con.execute(
            "select _row_number, _reject_reason from parsed where _reject_reason is not null order by 1 limit 3"
        ).fetchall()
        detail = "; ".join([f"row {r}: {why}" for r, why in examples] + [f"line {ln}: {why}" for ln, why, _ in malformed[:3]])
        raise ExportRejected(
            f"{path}: {rejects} of {total} rows ({share:.0%}) could not be parsed, more than the "
            f"{max_reject_share():.0%} allowed; for example {detail}"
        )
    columns = ", ".join(_ident(c) for c in _output_columns(schema))
    con.execute(
        f"copy (select {columns} from parsed where _reject_reason is null) "
        f"to {_sql_string(str(scratch / 'rows' / (stem + '.parquet')))} (format parquet)"
    )
    if rejects:
        _write_rejects(con, schema, path, export_date, malformed, scratch / "rejects" / (stem + ".parquet"))
    return FileResult(path.name, match.mapping.name, rows - rejected, rejects)


def _text_of(header: str, json_columns: set[str]) -> str:
    # JSON values of mixed types come back as JSON: take the string, not its quoted form.
    value = f"json_extract_string({_ident(header)}, '$')" if header in json_columns else f"cast({_ident(header)} as varchar)"
    return f"nullif(trim({value}), '')"


def _parse_query(
    schema: SourceSchema, columns: dict[str, tuple[str, ...]], json_columns: set[str], path: Path, export_date: dt.date
) -> str:
    raw_values, parsed_values, problems = [], [], []
    for column in schema.columns:
        headers = columns.get(column.name, ())
        header = headers[0] if headers else None
        raw = f"coalesce({', '.join(_text_of(h, json_columns) for h in headers)})" if headers else "cast(null as varchar)"
        raw_values.append(f"{raw} as {_ident(column.name + '__raw')}")
        value = f"abm_parse_{column.type}({_ident(column.name + '__raw')})"
        if column.name == schema.email_column:
            value = f"lower({value})"
        if column.name == "domain":
            value = f"abm_normalise_domain({value})"
        parsed_values.append(f"{value} as {_ident(column.name)}")
        if column.type != "text" and header:
            problems.append(
                f"case when {_ident(column.name + '__raw')} is not null and {value} is null then "
                f"'column {_sql_string(header)[1:-1]}: ' || {_ident(column.name + '__raw')} "
                f"|| ' is not a valid {column.type}' end"
            )
        if column.required:
            problems.append(
                f"case when {_ident(column.name + '__raw')} is null then "
                f"'column {_sql_string(header or column.name)[1:-1]} ({column.name}) is empty' end"
            )
    derives_domain = schema.domain_from and schema.domain_from != "domain"
    domain = f", abm_normalise_domain({_ident(schema.domain_from)}) as domain" if derives_domain else ""
    reason = "nullif(concat_ws('; ', " + ", ".join(problems) + "), '')" if problems else "cast(null as varchar)"
    raw_record = ", ".join(f"{_sql_string(c.name)}: {_ident(c.name + '__raw')}" for c in schema.columns)
    columns = ", ".join(_ident(c) for c in _output_columns(schema) if c != "_row_number")
    return f"""
        with raw_values as (
            select {", ".join(raw_values)} from source_file
        ),
        parsed as (
            select *, {", ".join(parsed_values)} from raw_values
        ),
        checked as (
            select * {domain},
                {reason} as _reject_reason,
                {_sql_string(schema.name)} as _source,
                date {_sql_string(export_date.isoformat())} as _export_date,
                {_sql_string(path.name)} as _source_file
            from parsed
        )
        select {columns}, _reject_reason,
            case when _reject_reason is not null then cast(to_json({{{raw_record}}}) as varchar) end as _reject_record
        from checked
    """


def _output_columns(schema: SourceSchema) -> list[str]:
    columns = [c.name for c in schema.columns]
    if schema.domain_from and "domain" not in columns:
        columns.append("domain")
    return columns + ["_source", "_export_date", "_source_file", "_row_number"]


def _malformed_lines(con: duckdb.DuckDBPyConnection) -> list[tuple[int, str, str]]:
    """Lines DuckDB's CSV reader could not split into the header's columns (truncated, bad encoding)."""
    exists = con.execute(
        "select count(*) from duckdb_tables() where table_name = 'csv_rejects'"
    ).fetchone()[0]
    if not exists:
        return []
    return con.execute("select line, error_message, csv_line from csv_rejects order by line").fetchall()


def _write_rejects(con, schema: SourceSchema, path: Path, export_date: dt.date, malformed, target: Path) -> None:
    con.execute("create or replace temp table malformed (line bigint, reason varchar, record varchar)")
    if malformed:
        con.executemany("insert into malformed values (?, ?, ?)", malformed)
    con.execute(
        f"""
        copy (
            select {_sql_string(schema.name)} as source, date {_sql_string(export_date.isoformat())} as export_date,
                   {_sql_string(path.name)} as source_file, _row_number as row_number,
                   _reject_reason as reason, _reject_record as record
            from parsed where _reject_reason is not null
            union all
            select {_sql_string(schema.name)}, date {_sql_string(export_date.isoformat())}, {_sql_string(path.name)},
                   line, 'malformed line ' || line || ': ' || reason, record
            from malformed
        ) to {_sql_string(str(target))} (format parquet)
        """
    )


def _safe_stem(name: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in name)[:60]


def _first_line(error: Exception) -> str:
    return str(error).strip().splitlines()[0]


def load_pending(paths: Paths, source: str, up_to: dt.date, mappings_file: Path | None) -> tuple[list[ExportResult], list[str]]:
    """Load every export folder of a source up to a date that is new or changed since it was loaded.

    Returns the results and the errors; a failed export is reported and skipped, the others load.
    """
    results, errors = [], []
    for export_date in export_dates(paths, source, up_to):
        try:
            results.append(load_export(paths, source, export_date, mappings_file))
        except ExportRejected as error:
            errors.append(str(error))
    return results, errors
