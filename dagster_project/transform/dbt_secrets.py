"""A dbt-duckdb plugin that hands the PII key to DuckDB without writing it into any SQL dbt logs.

The key comes from the environment (DBT_ENV_SECRET_ABM_PII_KEY, which dbt also scrubs from its
logs) and becomes two session variables holding HMAC-SHA-256's inner and outer padded keys, so the
`keyed_hash` macro computes a real HMAC in SQL and no compiled model, artifact or log holds the key.
"""

from __future__ import annotations

import os

from dbt.adapters.duckdb.plugins import BasePlugin

from dagster_project.transform.dbt_args import SECRET_KEY_ENV, padded_keys


class Plugin(BasePlugin):
    def configure_connection(self, conn):
        self._set_key(conn)

    def configure_cursor(self, cursor):
        self._set_key(cursor)  # DuckDB session variables belong to one connection or cursor

    @staticmethod
    def _set_key(conn) -> None:
        key = os.environ.get(SECRET_KEY_ENV)
        if not key:
            return
        inner, outer = padded_keys(key.encode())
        conn.execute(f"set variable abm_hmac_inner = unhex('{inner.hex()}')")
        conn.execute(f"set variable abm_hmac_outer = unhex('{outer.hex()}')")
