"""constraint-naming: ok_sql"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = "case"
down_revision = "base"
# config: constraint_naming = ^(pk|uq|fk|ck|ix)_[a-z0-9_]+$


def upgrade():
    op.execute("""
        CREATE TABLE pets (
            id bigint CONSTRAINT pk_pets PRIMARY KEY,
            owner_id bigint CONSTRAINT fk_pets_owner REFERENCES users (id),
            CONSTRAINT ck_pets_id CHECK (id > 0)
        );
        CREATE INDEX ix_pets_owner_id ON pets (owner_id);
    """)
    op.execute("ALTER TABLE orders ADD CONSTRAINT ck_orders_status CHECK (status <> '') NOT VALID")


def downgrade():
    pass
