"""checkdb.py URL MODELS_DIR - is the database exactly what the models declare?

Prints one line per difference and exits 1 when there is any (0 when none):
  - alembic's own compare_metadata(MigrationContext, metadata) with compare_type and
    compare_server_default (the default schema and `audit`), which must report nothing;
  - what compare_metadata does not look at, read from pg_catalog:
      enum types: the labels of every native enum type the models use, in order, and no
        other enum type in those schemas (a type no column uses any more is dropped);
      check constraints: per table, the set of conditions (normalized: oprec.sql_norm
        plus PostgreSQL's added parentheses and casts), and their names where the models
        name them;
      indexes: the names of the models' indexes, including the expression indexes that
        SQLAlchemy 1.4 cannot reflect (alembic skips them), and no other index that is not
        a constraint's.
MODELS_DIR holds app/models.py (imported as app.models). Runs under /usr/bin/python3.
"""
import os
import re
import sys

URL, MODELS_DIR = sys.argv[1], sys.argv[2]
sys.path.insert(0, MODELS_DIR)
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import sqlalchemy as sa  # noqa: E402
from alembic.autogenerate import compare_metadata  # noqa: E402
from alembic.migration import MigrationContext  # noqa: E402

from app.models import Base  # noqa: E402
from oprec import cond_norm as _cond_norm  # noqa: E402

SCHEMAS = {None, "audit"}


def include_name(name, type_, parent_names):
    if type_ == "schema":
        return name in SCHEMAS
    return True


def cond_norm(text):
    return _cond_norm(re.sub(r"^CHECK\s*", "", text.strip()))


def main():
    url = URL
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            url = "postgresql+psycopg2://" + url[len(prefix):]
    md = Base.metadata
    problems = []
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    with engine.connect() as conn:
        mc = MigrationContext.configure(conn, opts={
            "compare_type": True, "compare_server_default": True, "include_schemas": True,
            "include_name": include_name, "target_metadata": md})
        for d in compare_metadata(mc, md):
            problems.append(f"compare_metadata: {d!r}")

        schemas = sorted({t.schema or "public" for t in md.tables.values()} | {"public"})

        # enum types
        want = {}
        for t in md.tables.values():
            for c in t.columns:
                ty = c.type
                if isinstance(ty, sa.ARRAY):
                    ty = ty.item_type
                if isinstance(ty, sa.Enum) and ty.native_enum:
                    want[(ty.schema or t.schema or "public", ty.name)] = list(ty.enums)
        rows = conn.execute(sa.text(
            "SELECT n.nspname, t.typname, array_agg(e.enumlabel ORDER BY e.enumsortorder) "
            "FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace "
            "JOIN pg_enum e ON e.enumtypid = t.oid WHERE n.nspname = ANY(:s) "
            "GROUP BY 1, 2"), {"s": schemas}).fetchall()
        have = {(r[0], r[1]): list(r[2]) for r in rows}
        for key in sorted(set(want) | set(have)):
            if key not in have:
                problems.append(f"enum type {key[0]}.{key[1]} is missing (models: {want[key]})")
            elif key not in want:
                problems.append(f"enum type {key[0]}.{key[1]} {have[key]} exists, no model uses it")
            elif want[key] != have[key]:
                problems.append(f"enum type {key[0]}.{key[1]}: labels {have[key]}, models {want[key]}")

        # check constraints
        for t in md.tables.values():
            sch = t.schema or "public"
            rows = conn.execute(sa.text(
                "SELECT c.conname, pg_get_constraintdef(c.oid) FROM pg_constraint c "
                "JOIN pg_class r ON r.oid = c.conrelid JOIN pg_namespace n ON n.oid = r.relnamespace "
                "WHERE c.contype = 'c' AND n.nspname = :s AND r.relname = :t"),
                {"s": sch, "t": t.name}).fetchall()
            have_ck = sorted((cond_norm(r[1]), r[0]) for r in rows)
            want_ck = []
            for k in t.constraints:
                if isinstance(k, sa.CheckConstraint):
                    want_ck.append((cond_norm(str(k.sqltext)), str(k.name) if k.name else None))
            want_ck.sort(key=repr)
            if [c for c, _ in have_ck] != sorted(c for c, _ in want_ck):
                problems.append(f"checks on {sch}.{t.name}: database {have_ck}, models {want_ck}")
            else:
                names = {c: n for c, n in have_ck}
                for c, n in want_ck:
                    if n and names.get(c) != n:
                        problems.append(f"check ({c}) on {sch}.{t.name} is named {names.get(c)}, models {n}")

        # indexes (not those of constraints)
        for t in md.tables.values():
            sch = t.schema or "public"
            rows = conn.execute(sa.text(
                "SELECT i.relname FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid "
                "JOIN pg_class r ON r.oid = x.indrelid JOIN pg_namespace n ON n.oid = r.relnamespace "
                "WHERE n.nspname = :s AND r.relname = :t AND NOT EXISTS "
                "(SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)"),
                {"s": sch, "t": t.name}).fetchall()
            have_ix = sorted(r[0] for r in rows)
            want_ix = sorted(str(ix.name) for ix in t.indexes)
            if have_ix != want_ix:
                problems.append(f"indexes on {sch}.{t.name}: database {have_ix}, models {want_ix}")
    for p in problems:
        print(p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
