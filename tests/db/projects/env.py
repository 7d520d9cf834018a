"""Alembic environment shared by the tests/db fixture projects.

Online: connects to DATABASE_URL (a libpq URI; the psycopg2 driver is added) and runs
each revision in its own transaction (transaction_per_migration=True), as retort's
native engine does. Offline (--sql): renders PostgreSQL SQL, no database needed.
"""
import os

from alembic import context
from sqlalchemy import create_engine, pool


def database_url():
    url = os.environ.get("DATABASE_URL")
    if not url:
        raise SystemExit("tests/db env.py: set DATABASE_URL (postgresql://user@/db?host=/socket)")
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg2://" + url[len(prefix):]
    return url


if context.is_offline_mode():
    context.configure(
        dialect_name="postgresql",
        literal_binds=True,
        transaction_per_migration=True,
        dialect_opts={"paramstyle": "named"},
    )
    with context.begin_transaction():
        context.run_migrations()
else:
    engine = create_engine(database_url(), poolclass=pool.NullPool)
    with engine.connect() as connection:
        context.configure(connection=connection, transaction_per_migration=True)
        with context.begin_transaction():
            context.run_migrations()
