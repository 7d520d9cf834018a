"""adding-not-nullable-field: err_batch_and_sql"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = "case"
down_revision = "base"


def upgrade():
    with op.batch_alter_table("orders") as batch_op:
        batch_op.add_column(sa.Column("currency", sa.String(3), nullable=False))
    op.execute("ALTER TABLE users ADD COLUMN tier integer NOT NULL")


def downgrade():
    pass
