"""Alembic environment of the tests/autogen project.

DATABASE_URL (a libpq URI; the psycopg2 driver is added) is the database. Autogenerate
compares types and server defaults (compare_type, compare_server_default) and looks at
the default schema and `audit` only (include_schemas with an include_name filter).
Offline (--sql): PostgreSQL SQL, no database needed.
"""
import os

from alembic import context
from sqlalchemy import create_engine, pool

from app.models import Base

target_metadata = Base.metadata
SCHEMAS = {None, "audit"}


def include_name(name, type_, parent_names):
    if type_ == "schema":
        return name in SCHEMAS
    return True


def database_url():
    url = os.environ.get("DATABASE_URL")
    if not url:
        raise SystemExit("tests/autogen env.py: set DATABASE_URL")
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg2://" + url[len(prefix):]
    return url


OPTIONS = dict(target_metadata=target_metadata, compare_type=True,
               compare_server_default=True, include_schemas=True, include_name=include_name,
               transaction_per_migration=True)

if context.is_offline_mode():
    context.configure(dialect_name="postgresql", literal_binds=True,
                      dialect_opts={"paramstyle": "named"}, **OPTIONS)
    with context.begin_transaction():
        context.run_migrations()
else:
    engine = create_engine(database_url(), poolclass=pool.NullPool)
    with engine.connect() as connection:
        context.configure(connection=connection, **OPTIONS)
        with context.begin_transaction():
            context.run_migrations()
