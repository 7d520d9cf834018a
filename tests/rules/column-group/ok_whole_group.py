"""column-group: ok_whole_group"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
# config: column_groups = is_deleted, deleted_at; created_by, updated_by

revision = "case"
down_revision = "base"


def upgrade():
    op.add_column("orders", sa.Column("is_deleted", sa.Boolean(), server_default="false", nullable=False))
    op.add_column("orders", sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True))
    op.create_table("pets", sa.Column("id", sa.BigInteger(), sa.Identity(), primary_key=True),
                    sa.Column("created_by", sa.Text()), sa.Column("updated_by", sa.Text()))


def downgrade():
    pass
