"""adding-primary-key-constraint: err_sql"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = "case"
down_revision = "base"


def upgrade():
    op.execute("ALTER TABLE audit_log DROP CONSTRAINT pk_audit_log")
    op.execute("ALTER TABLE audit_log ADD CONSTRAINT pk_audit_log PRIMARY KEY (id)")
    op.execute(sa.text("ALTER TABLE orders ADD PRIMARY KEY (id, user_id)"))


def downgrade():
    pass
