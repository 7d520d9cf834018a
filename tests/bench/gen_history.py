#!/usr/bin/env python3
"""gen_history.py - write a synthetic Alembic project for the history benchmark.

gen_history.py DIR [N]: N revisions (default 1000) of realistic ~2 KB revision files
(docstrings, create_table / add_column / create_index / alter_column ops) in a main
line with a feature branch every ~40 revisions that merges back, and two independent
lines whose bases are labelled audit and billing (billing revisions sometimes
depend_on the main line). Deterministic: same N, same files. Three heads.
Prints a one-line JSON summary (counts) on stdout.
"""
import hashlib
import json
import os
import sys

WORDS = ("customer invoice payment shipment warehouse supplier coupon review "
         "subscription refund ledger audit session tenant webhook").split()


def rev_id(i):
    return hashlib.sha1(f"bench-revision-{i}".encode()).hexdigest()[:12]


def table(i):
    return f"{WORDS[i % len(WORDS)]}_{i // len(WORDS)}"


def ops(i):
    """(upgrade lines, downgrade lines, message) for revision i."""
    t = table(i)
    kind = i % 4
    if kind == 0 or i < 4:
        ref = table(max(i - 4, 0)) if i >= 4 else None
        up = [f"    op.create_table(",
              f"        '{t}',",
              f"        sa.Column('id', sa.BigInteger(), nullable=False),",
              f"        sa.Column('name', sa.String(length=200), nullable=False),",
              f"        sa.Column('status', sa.String(length=32), server_default='new', nullable=False),",
              f"        sa.Column('amount_cents', sa.BigInteger(), nullable=True),",
              f"        sa.Column('payload', postgresql.JSONB(astext_type=sa.Text()), nullable=True),",
              f"        sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),",
              f"        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=True),",
              f"        sa.Column('external_ref', sa.String(length=64), nullable=True),",
              f"        sa.Column('deleted_at', sa.DateTime(timezone=True), nullable=True),"]
        if ref:
            up += [f"        sa.Column('{ref}_id', sa.BigInteger(), nullable=True),",
                   f"        sa.ForeignKeyConstraint(['{ref}_id'], ['{ref}.id'], name='fk_{t}_{ref}_id', ondelete='SET NULL'),"]
        up += [f"        sa.PrimaryKeyConstraint('id', name='pk_{t}'),",
               f"    )",
               f"    op.create_index('ix_{t}_created_at', '{t}', ['created_at'], unique=False)"]
        down = [f"    op.drop_index('ix_{t}_created_at', table_name='{t}')",
                f"    op.drop_table('{t}')"]
        return up, down, f"create {t} table"
    base = table(i - kind)  # the table created a few revisions ago
    if kind == 1:
        up = [f"    op.add_column('{base}', sa.Column('reference_{i}', sa.String(length=64), nullable=True))",
              f"    op.add_column('{base}', sa.Column('notes_{i}', sa.Text(), nullable=True))",
              f"    op.create_index('ix_{base}_reference_{i}', '{base}', ['reference_{i}'], unique=True)"]
        up += [f"    op.execute(\"UPDATE {base} SET reference_{i} = 'R-' || id::text WHERE reference_{i} IS NULL\")",
               f"    op.alter_column('{base}', 'reference_{i}',",
               f"                    existing_type=sa.String(length=64),",
               f"                    nullable=False)"]
        down = [f"    op.drop_index('ix_{base}_reference_{i}', table_name='{base}')",
                f"    op.drop_column('{base}', 'notes_{i}')",
                f"    op.drop_column('{base}', 'reference_{i}')"]
        return up, down, f"add reference and notes to {base}"
    if kind == 2:
        up = [f"    op.create_index('ix_{base}_status_created_at', '{base}', ['status', 'created_at'], unique=False)",
              f"    op.alter_column('{base}', 'name',",
              f"                    existing_type=sa.String(length=200),",
              f"                    type_=sa.String(length=255),",
              f"                    existing_nullable=False)",
              f"    op.create_index('ix_{base}_amount_cents', '{base}', ['amount_cents'], unique=False,",
              f"                    postgresql_where=sa.text('amount_cents IS NOT NULL'))"]
        down = [f"    op.drop_index('ix_{base}_amount_cents', table_name='{base}')",
                f"    op.alter_column('{base}', 'name',",
                f"                    existing_type=sa.String(length=255),",
                f"                    type_=sa.String(length=200),",
                f"                    existing_nullable=False)",
                f"    op.drop_index('ix_{base}_status_created_at', table_name='{base}')"]
        return up, down, f"index {base} by status and date"
    up = [f"    op.add_column('{base}', sa.Column('archived', sa.Boolean(), server_default=sa.text('false'), nullable=False))",
          f"    op.execute(\"UPDATE {base} SET archived = true WHERE status = 'closed'\")",
          f"    with op.batch_alter_table('{base}') as batch_op:",
          f"        batch_op.add_column(sa.Column('archived_at', sa.DateTime(timezone=True), nullable=True))",
          f"        batch_op.create_index('ix_{base}_archived_at', ['archived_at'], unique=False)",
          f"    op.create_check_constraint('ck_{base}_archived_{i}', '{base}',",
          f"                               'archived_at IS NULL OR archived')"]
    down = [f"    op.drop_constraint('ck_{base}_archived_{i}', '{base}', type_='check')",
            f"    with op.batch_alter_table('{base}') as batch_op:",
            f"        batch_op.drop_index('ix_{base}_archived_at')",
            f"        batch_op.drop_column('archived_at')",
            f"    op.drop_column('{base}', 'archived')"]
    return up, down, f"archive flag for {base}"


def body(i, rev, down, labels, deps):
    up, dn, message = ops(i)
    revises = ", ".join(down) if down else ""
    words = " ".join(WORDS[(i + k) % len(WORDS)] for k in range(6))
    doc = (f"{message}\n\n"
           f"Part of the {words} work. The change keeps existing rows\n"
           f"readable by the running release: new columns are nullable or have a server\n"
           f"default, and indexes are created before the code that needs them ships.\n"
           f"Deploy order: run this migration, then roll out the application; the\n"
           f"previous release ignores the new columns, so a rollback of the code alone is\n"
           f"safe. Reviewed for lock impact: every statement takes its lock briefly.\n\n"
           f"Revision ID: {rev}\nRevises: {revises}\n"
           f"Create Date: 2023-{1 + i % 12:02d}-{1 + i % 28:02d} {i % 24:02d}:{i % 60:02d}:{(7 * i) % 60:02d}.{(i * 7919) % 1000000:06d}\n")
    down_repr = repr(None if not down else down[0] if len(down) == 1 else tuple(down))
    return (f'"""{doc}\n"""\n'
            "from alembic import op\n"
            "import sqlalchemy as sa\n"
            "from sqlalchemy.dialects import postgresql\n\n\n"
            "# revision identifiers, used by Alembic.\n"
            f"revision = {rev!r}\n"
            f"down_revision = {down_repr}\n"
            f"branch_labels = {tuple(labels) if labels else None!r}\n"
            f"depends_on = {deps or None!r}\n\n\n"
            "def upgrade() -> None:\n"
            "    # ### commands auto generated by Alembic - please adjust! ###\n"
            + "\n".join(up) + "\n"
            "    # ### end Alembic commands ###\n\n\n"
            "def downgrade() -> None:\n"
            "    # ### commands auto generated by Alembic - please adjust! ###\n"
            + "\n".join(dn) + "\n"
            "    # ### end Alembic commands ###\n"), message


def plan(n):
    """[(down_revisions, branch_labels, depends_on)] for revisions 0..n-1 (by index).

    Three lines of history, as in Alembic's "multiple bases" layout: the main line
    (about 90%, a feature branch beside it every ~40 revisions that merges back) and
    two independent lines whose bases carry the branch labels `audit` and `billing`
    (each revision then has at most one label, so alembic's output does not depend on
    Python's set order). Billing revisions now and then depend_on a main revision.
    """
    out = []
    tips = {}           # line -> index of its tip
    feature = 0
    i = 0

    def add(line, parents, labels=(), deps=None):
        nonlocal i
        out.append(([p for p in parents if p is not None], list(labels), deps))
        tips[line] = i
        i += 1
        return i - 1

    while i < n:
        left = n - i
        slot = i % 20
        if slot in (7, 13) and i >= 20:
            line = "audit" if slot == 7 else "billing"
            deps = None
            if line == "billing" and "main" in tips and (i // 20) % 3 == 1:
                deps = [rev_id(tips["main"])]
            add(line, [tips.get(line)], [] if line in tips else [line], deps)
            continue
        if "main" in tips and i % 40 == 10 and left >= 14:
            feature += 1
            point = tips["main"]
            la, lb = 3 + feature % 4, 2 + feature % 3
            a = point
            for _ in range(la):
                a = add("a", [a])
            b = point
            for _ in range(lb):
                b = add("b", [b])
            add("main", [a, b])
            continue
        add("main", [tips.get("main")])
    return out


def main():
    root = sys.argv[1]
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 1000
    versions = os.path.join(root, "migrations", "versions")
    os.makedirs(versions, exist_ok=True)
    with open(os.path.join(root, "alembic.ini"), "w") as f:
        f.write("[alembic]\nscript_location = %(here)s/migrations\n"
                "version_path_separator = os\nsqlalchemy.url =\n\n"
                "[loggers]\nkeys = root\n\n[handlers]\nkeys = console\n\n"
                "[formatters]\nkeys = generic\n\n[logger_root]\nlevel = WARN\n"
                "handlers = console\n\n[handler_console]\nclass = StreamHandler\n"
                "args = (sys.stderr,)\nlevel = NOTSET\nformatter = generic\n\n"
                "[formatter_generic]\nformat = %(levelname)-5.5s [%(name)s] %(message)s\n")
    with open(os.path.join(root, "migrations", "env.py"), "w") as f:
        f.write("from alembic import context\n\n"
                "context.configure(dialect_name='postgresql')\n"
                "with context.begin_transaction():\n    context.run_migrations()\n")
    total = 0
    merges = labels = deps = 0
    for i, (down, lab, dep) in enumerate(plan(n)):
        rev = rev_id(i)
        text, message = body(i, rev, [rev_id(d) for d in down], lab, dep)
        slug = "_".join(message.split())[:40]
        with open(os.path.join(versions, f"{rev}_{slug}.py"), "w") as f:
            f.write(text)
        total += len(text)
        merges += len(down) > 1
        labels += bool(lab)
        deps += bool(dep)
    print(json.dumps({"revisions": n, "merges": merges, "branch_labels": labels,
                      "depends_on": deps, "avg_bytes": total // n}))


if __name__ == "__main__":
    main()
