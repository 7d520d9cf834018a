"""changing-column-type: err_batch"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = "case"
down_revision = "base"


def upgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.alter_column("nickname", type_=sa.Integer(), existing_type=sa.String(40))


def downgrade():
    pass
