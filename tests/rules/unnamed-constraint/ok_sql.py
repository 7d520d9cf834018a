"""unnamed-constraint: ok_sql"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = "case"
down_revision = "base"


def upgrade():
    op.execute("""
        CREATE TABLE pets (
            id bigint PRIMARY KEY,
            owner_id bigint CONSTRAINT fk_pets_owner REFERENCES users (id),
            CONSTRAINT ck_pets_id CHECK (id > 0)
        )
    """)
    op.execute("ALTER TABLE orders ADD CONSTRAINT ck_orders_user CHECK (user_id > 0) NOT VALID")
    op.execute("ALTER TABLE audit_log ADD PRIMARY KEY USING INDEX audit_log_id_idx")


def downgrade():
    pass
