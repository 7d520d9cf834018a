"""identifier-too-long: err_batch"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = "case"
down_revision = "base"


def upgrade():
    with op.batch_alter_table("users") as batch_op:
        batch_op.add_column(sa.Column("cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc", sa.Text()))


def downgrade():
    pass
