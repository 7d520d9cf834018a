"""adding-primary-key-constraint: err_batch"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = "case"
down_revision = "base"


def upgrade():
    with op.batch_alter_table("audit_log") as batch_op:
        batch_op.drop_constraint("pk_audit_log", type_="primary")
        batch_op.create_primary_key("pk_audit_log", ["id"])


def downgrade():
    pass
