"""constraint-naming: err_sql"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = "case"
down_revision = "base"
# config: constraint_naming = ^(pk|uq|fk|ck|ix)_[a-z0-9_]+$


def upgrade():
    op.execute("""
        CREATE TABLE pets (
            id bigint CONSTRAINT pets_primary PRIMARY KEY,
            owner_id bigint CONSTRAINT pets_owner_fk REFERENCES users (id),
            CONSTRAINT "CK_Pets" CHECK (id > 0)
        )
    """)
    op.execute("ALTER TABLE orders ADD CONSTRAINT orders_status_check CHECK (status <> '') NOT VALID")
    with op.get_context().autocommit_block():
        op.execute("CREATE INDEX CONCURRENTLY pets_owner_idx ON pets (owner_id)")


def downgrade():
    pass
