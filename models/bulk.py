"""Writing many rows of one table at once in the session's transaction, without an ORM object per row: COPY on
PostgreSQL (one stream instead of one statement per row), executemany on SQLite (in-process, already fast).

For rows that need no ORM behaviour (no relationships to cascade, no defaults computed in Python: every column of
``rows`` given, the same keys in each) and when many of them arrive at once: a package import's item results,
findings, their events and its audit events. Values are bound through each column's type as an ORM insert would
bind them (UTC timestamps, JSON), so the stored rows are the same.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Table, insert
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session


def insert_rows(session: Session, table: Table, rows: Sequence[Mapping[str, Any]]) -> None:
    """Insert ``rows`` (dicts with the same keys: column names) into ``table``; the session is flushed first so
    that rows they refer to exist."""
    if not rows:
        return
    names = list(rows[0])
    if set(names) != set(table.c.keys()):  # COPY would leave a column out NULL where the ORM gives its default
        raise ValueError(f"insert_rows into {table.name}: every column must be given, not {sorted(names)}")
    session.flush()
    connection = session.connection()
    dialect = connection.dialect
    if dialect.name != "postgresql":
        connection.execute(insert(table), list(rows))
        return
    processors = [table.c[name].type.dialect_impl(dialect).bind_processor(dialect) for name in names]
    columns = ", ".join(dialect.identifier_preparer.quote(name) for name in names)
    driver = connection.connection.driver_connection
    assert driver is not None
    statement = f"COPY {dialect.identifier_preparer.format_table(table)} ({columns}) FROM STDIN"
    try:
        with driver.cursor() as cursor, cursor.copy(statement) as copy:
            for row in rows:
                copy.write_row(
                    [value if process is None else process(value) for value, process in
                     zip((row[name] for name in names), processors, strict=True)]
                )
    except dialect.loaded_dbapi.Error as err:
        # As SQLAlchemy reports a failed statement (IntegrityError for a duplicate key, storage_problem's SQLSTATEs).
        raise DBAPIError.instance(statement, None, err, dialect.loaded_dbapi.Error, dialect=dialect) from err
