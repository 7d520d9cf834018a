"""enum-like-column-without-check: err_status_text"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = "case"
down_revision = "base"


def upgrade():
    op.add_column("users", sa.Column("status", sa.String(20), nullable=True))
    op.create_table("pets", sa.Column("id", sa.BigInteger(), sa.Identity(), primary_key=True),
                    sa.Column("pet_status", sa.Text()))


def downgrade():
    pass
