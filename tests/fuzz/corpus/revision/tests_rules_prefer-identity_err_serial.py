"""prefer-identity: err_serial"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = "case"
down_revision = "base"


def upgrade():
    op.create_table("pets", sa.Column("id", sa.BigInteger(), nullable=False),
                    sa.PrimaryKeyConstraint("id", name="pk_pets"))
    op.execute("CREATE TABLE toys (id bigserial PRIMARY KEY)")


def downgrade():
    pass
