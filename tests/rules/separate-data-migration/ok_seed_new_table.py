"""seed rows into a table this revision creates"""
from alembic import op
import sqlalchemy as sa

revision = "case"
down_revision = "base"


def upgrade():
    op.create_table("countries", sa.Column("code", sa.Text(), primary_key=True))
    op.execute("INSERT INTO countries (code) VALUES ('NL'), ('BE')")


def downgrade():
    op.drop_table("countries")
