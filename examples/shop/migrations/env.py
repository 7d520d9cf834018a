"""Alembic environment for the shop example.

The database URL comes from DATABASE_URL when it is set, else from sqlalchemy.url in
alembic.ini. Offline mode (--sql) needs no URL at all: it renders PostgreSQL SQL.
"""
import os
from logging.config import fileConfig

from sqlalchemy import engine_from_config, pool

from alembic import context

from app.models import Base

config = context.config

if config.config_file_name is not None:
    fileConfig(config.config_file_name)

target_metadata = Base.metadata


def database_url():
    """The SQLAlchemy URL to use, or None; plain libpq URLs get the psycopg2 driver."""
    url = os.environ.get("DATABASE_URL") or config.get_main_option("sqlalchemy.url")
    if not url:
        return None
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg2://" + url[len(prefix):]
    return url


def run_migrations_offline():
    """Emit SQL to stdout instead of running it."""
    url = database_url()
    options = {"url": url} if url else {"dialect_name": "postgresql"}
    context.configure(
        target_metadata=target_metadata,
        literal_binds=True,
        dialect_opts={"paramstyle": "named"},
        **options,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online():
    """Connect and run the migrations, one transaction for the whole upgrade."""
    url = database_url()
    if not url:
        raise SystemExit(
            "shop: no database configured; set DATABASE_URL "
            "(e.g. postgresql://user@localhost/shop) or sqlalchemy.url in alembic.ini"
        )
    section = config.get_section(config.config_ini_section, {})
    section["sqlalchemy.url"] = url
    connectable = engine_from_config(section, prefix="sqlalchemy.", poolclass=pool.NullPool)
    with connectable.connect() as connection:
        context.configure(connection=connection, target_metadata=target_metadata)
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
