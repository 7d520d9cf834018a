"""disallowed-unique-constraint: ok_sql"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = "case"
down_revision = "base"


def upgrade():
    with op.get_context().autocommit_block():
        op.execute("CREATE UNIQUE INDEX CONCURRENTLY ix_users_name ON users (name)")
    op.execute("ALTER TABLE users ADD CONSTRAINT uq_users_name UNIQUE USING INDEX ix_users_name")
    op.execute("CREATE TABLE pets (id bigint PRIMARY KEY, tag text)")
    op.execute("ALTER TABLE pets ADD CONSTRAINT uq_pets_tag UNIQUE (tag)")


def downgrade():
    pass
