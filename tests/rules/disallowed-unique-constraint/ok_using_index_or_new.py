"""disallowed-unique-constraint: ok_using_index_or_new"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = "case"
down_revision = "base"


def upgrade():
    op.execute("ALTER TABLE users ADD CONSTRAINT uq_users_name UNIQUE USING INDEX ix_users_name")
    op.create_table("pets", sa.Column("id", sa.BigInteger(), sa.Identity(), primary_key=True),
                    sa.Column("name", sa.Text()))
    op.create_unique_constraint("uq_pets_name", "pets", ["name"])


def downgrade():
    pass
