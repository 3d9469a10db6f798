"""Dagster's SQLite event log with its connections kept open between writes.

The stock `SqliteEventLogStorage` creates an engine, connects and disposes of it for every write,
and a run writes hundreds of events (each dbt test is three: planned, output, evaluation), most of
them to two files (the run's and the cross-run index). On 100 accounts that storing took 6-8 s of
a ~23 s run (much of it while the dbt process went on with its next nodes), 2-3 s this way: each
database file keeps one engine, so a write is a transaction on an open connection. Same files, same
schema, same write-ahead log.

The UI streams a live run by watching the run's `.db` file, which the stock storage touched on every
write by closing its last connection (SQLite then checkpoints the log into the file). With the
connection kept open, each write to a run's file checkpoints explicitly, so the watcher still fires.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager

from dagster._core.storage.event_log.sqlite.sqlite_event_log import INDEX_SHARD_NAME, SQLITE_BUSY_TIMEOUT_SECONDS, SqliteEventLogStorage
from sqlalchemy import Engine, create_engine
from sqlalchemy.engine import Connection

# The webserver reads many runs' files: engines beyond these, least recently used first, are closed.
MAX_OPEN_DATABASES = 8


class PooledSqliteEventLogStorage(SqliteEventLogStorage):
    """`SqliteEventLogStorage` with one open engine per database file (the run's, the index)."""

    def __init__(self, base_dir: str, inst_data=None):
        # set before the parent's constructor, which may already reindex through _connect
        self._engines: OrderedDict[str, Engine] = OrderedDict()
        self._tables_present: set[str] = set()
        super().__init__(base_dir, inst_data)

    @classmethod
    def from_config_value(cls, inst_data, config_value):
        return cls(inst_data=inst_data, **config_value)

    @contextmanager
    def _connect(self, shard: str) -> Iterator[Connection]:
        with self._db_lock:
            engine = self._engine(shard)
            if shard not in self._initialized_dbs:
                self._initdb(engine)
                self._initialized_dbs.add(shard)
            with engine.connect() as conn:
                with conn.begin():
                    yield conn
                if shard != INDEX_SHARD_NAME:
                    conn.exec_driver_sql("pragma wal_checkpoint(passive)")

    def _engine(self, shard: str) -> Engine:
        if shard in self._engines:
            self._engines.move_to_end(shard)
            return self._engines[shard]
        engine = create_engine(self.conn_string_for_shard(shard), connect_args={"timeout": SQLITE_BUSY_TIMEOUT_SECONDS})
        self._engines[shard] = engine
        while len(self._engines) > MAX_OPEN_DATABASES:
            self._engines.popitem(last=False)[1].dispose()
        return engine

    def has_table(self, table_name: str) -> bool:
        """Asked before every asset-check event; a table, once there, stays (migrations only add)."""
        if table_name not in self._tables_present and super().has_table(table_name):
            self._tables_present.add(table_name)
        return table_name in self._tables_present

    def _close_engines(self) -> None:
        while self._engines:
            self._engines.popitem()[1].dispose()

    def wipe(self) -> None:
        with self._db_lock:
            self._close_engines()  # before the files are deleted under open connections
            self._tables_present.clear()
        super().wipe()

    def dispose(self) -> None:
        super().dispose()
        with self._db_lock:
            self._close_engines()
