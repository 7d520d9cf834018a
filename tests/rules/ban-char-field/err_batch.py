"""ban-char-field: err_batch"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = "case"
down_revision = "base"


def upgrade():
    with op.batch_alter_table("users") as batch_op:
        batch_op.add_column(sa.Column("country", sa.CHAR(2)))
        batch_op.alter_column("nickname", type_=sa.CHAR(40), existing_type=sa.String(40))


def downgrade():
    pass
