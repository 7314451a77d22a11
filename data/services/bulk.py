"""Many rows in one short statement, whatever their number.

On PostgreSQL each column travels as one array parameter, unnested on the
server: the statement text stays the same for 1 or 1,000 rows, so the driver
converts it once and the server parses it once (a multi-row ``VALUES`` or a long
``IN (…)`` list is a new, long statement every time — at batch sizes its
conversion alone costs more than the insert). Other databases get the portable
form: ``executemany`` and ``IN``.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping, Sequence
from typing import Any

from sqlalchemy import (
    JSON,
    Column,
    ColumnElement,
    Row,
    Select,
    String,
    Table,
    Text,
    any_,
    bindparam,
    cast,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Session
from sqlalchemy.types import TypeEngine


def _on_postgres(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def among(session: Session, column: ColumnElement[Any], values: Collection[Any]) -> Any:
    """``column IN values`` as one array parameter on PostgreSQL."""
    if not _on_postgres(session):
        return column.in_(list(values))
    kind = ARRAY(_element_type(column.type))
    return column == any_(cast(bindparam(None, list(values), type_=kind), kind))


def insert_many(
    session: Session,
    table: Table,
    rows: Sequence[Mapping[str, Any]],
    returning: Sequence[Column[Any]] = (),
) -> list[Row[Any]]:
    """Insert ``rows`` (all with the same keys); the ``returning`` columns of each, in any order."""
    if not rows:
        return []
    if not _on_postgres(session):
        statement = insert(table)
        if returning:
            return list(session.execute(statement.returning(*returning), list(rows)))
        session.execute(statement, list(rows))
        return []
    names = list(rows[0])
    statement = insert(table).from_select(names, _unnested(table, names, rows))
    if returning:
        return list(session.execute(statement.returning(*returning)))
    session.execute(statement)
    return []


def update_many(session: Session, table: Table, rows: Sequence[Mapping[str, Any]]) -> None:
    """Update rows by ``id``: each mapping holds a distinct ``id`` and the new values (the
    same keys in every mapping)."""
    if not rows:
        return
    names = [n for n in rows[0] if n != "id"]
    if not _on_postgres(session):
        session.execute(
            update(table)
            .where(table.c.id == bindparam("row_id"))
            .values({n: bindparam(f"new_{n}") for n in names}),
            [{"row_id": r["id"], **{f"new_{n}": r[n] for n in names}} for r in rows],
        )
        return
    source = _unnested(table, ["id", *names], rows).subquery()
    session.execute(
        update(table).where(table.c.id == source.c.id).values({n: source.c[n] for n in names})
    )


def _unnested(table: Table, names: Sequence[str], rows: Sequence[Mapping[str, Any]]) -> Select[Any]:
    """``SELECT … FROM unnest(col1[], col2[], …) AS u(col1, col2, …)``, each column of its
    own type again; a column with one value in every row is sent once, not as an array."""
    arrays: list[Any] = []
    varying: list[str] = []
    same: dict[str, Any] = {}
    types: dict[str, TypeEngine[Any]] = {}
    for name in names:
        values = [row[name] for row in rows]
        types[name] = _element_type(table.c[name].type)
        if _is_json(table.c[name].type):
            # None is JSON null, as the JSON column type itself stores it.
            values = [json.dumps(v) for v in values]
        if all(v == values[0] for v in values):
            same[name] = values[0]
            continue
        kind = ARRAY(types[name])
        arrays.append(cast(bindparam(None, values, type_=kind), kind))
        varying.append(name)
    if arrays:
        source = func.unnest(*arrays).table_valued(*varying, with_ordinality="n").render_derived()
    else:  # one row, or identical rows
        source = select(func.generate_series(1, len(rows)).label("n")).subquery()
    columns = []
    for name in names:
        if name in same:
            column = cast(bindparam(None, same[name], type_=types[name]), types[name])
        else:
            column = source.c[name]
        columns.append(cast(column, JSONB) if _is_json(table.c[name].type) else column)
    return (
        select(*(c.label(n) for c, n in zip(columns, names, strict=True)))
        .select_from(source)
        .order_by(source.c.n)  # rows are inserted (and numbered) in the order given
    )


def _element_type(column_type: TypeEngine[Any]) -> TypeEngine[Any]:
    """The type to send values as: JSON as text (cast back after), strings without a length
    (a cast to ``VARCHAR(n)`` would cut a longer value; the column still refuses it)."""
    if _is_json(column_type):
        return Text()
    if isinstance(column_type, String):
        return String()
    return column_type


def _is_json(column_type: TypeEngine[Any]) -> bool:
    return isinstance(column_type, JSON)
