"""constraint-naming: ok_good_names"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
# config: constraint_naming = ^(pk|uq|fk|ck|ix)_[a-z0-9_]+$

revision = "case"
down_revision = "base"


def upgrade():
    op.create_unique_constraint("uq_users_email", "users", ["email"])
    op.create_index("ix_users_name", "users", ["name"])


def downgrade():
    pass
