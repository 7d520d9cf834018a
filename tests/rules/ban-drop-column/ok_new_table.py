"""ban-drop-column: ok_new_table"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = "case"
down_revision = "base"


def upgrade():
    op.create_table("pets", sa.Column("id", sa.BigInteger(), sa.Identity(), primary_key=True),
                    sa.Column("tmp", sa.Text()))
    op.drop_column("pets", "tmp")
    op.execute("ALTER TABLE users DROP CONSTRAINT pk_users")


def downgrade():
    pass
