"""adding-primary-key-constraint: ok_sql"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = "case"
down_revision = "base"


def upgrade():
    op.execute("CREATE TABLE pets (id bigint, name text)")
    op.execute("ALTER TABLE pets ADD CONSTRAINT pk_pets PRIMARY KEY (id)")
    with op.get_context().autocommit_block():
        op.execute("CREATE UNIQUE INDEX CONCURRENTLY ix_audit_log_id ON audit_log (id)")
    op.execute("ALTER TABLE audit_log ADD CONSTRAINT pk_audit_log_2 PRIMARY KEY USING INDEX ix_audit_log_id")


def downgrade():
    pass
