"""an independent, labelled branch: a second head on purpose"""
from alembic import op
import sqlalchemy as sa

revision = "case"
down_revision = "base"
branch_labels = ("reporting",)


def upgrade():
    op.create_table("report_runs", sa.Column("id", sa.BigInteger(), sa.Identity(), primary_key=True))


def downgrade():
    op.drop_table("report_runs")
