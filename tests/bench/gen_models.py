#!/usr/bin/env python3
"""gen_models.py DIR N VERSION - writes the model files of a generated SQLAlchemy 1.4
project of N models (tables t000 ...) into DIR/app/models/, as a real project splits
them: base.py (the declarative Base, a Python enum, a timestamp mixin) and one module of
ten models each (m00.py, ...), all imported by __init__.py. Every model has a dozen
columns of the usual types, server defaults, a comment, an index, a named unique
constraint and a check; most reference an earlier table (ondelete CASCADE or SET NULL);
one in ten has an enum column.

VERSION 1 is the baseline. VERSION 2 is the same project some weeks later, the changes
autogenerate must find: in every seventh model a column added, a varchar made longer, a
server default changed and an index added; in every thirteenth a column dropped and a
NOT NULL relaxed; in every eleventh a foreign key's ondelete changed; two new tables;
the last table dropped (no table references it). Deterministic. Prints a JSON summary.
"""
import json
import os
import sys

BASE = '''"""The declarative base, shared enum and mixin of the generated project."""
import enum

from sqlalchemy import Column, DateTime, text
from sqlalchemy.orm import declarative_base

Base = declarative_base()


class Status(enum.Enum):
    NEW = "new"
    ACTIVE = "active"
    CLOSED = "closed"


class TimestampMixin:
    created_at = Column(DateTime(timezone=True), nullable=False, server_default=text("now()"))
    updated_at = Column(DateTime(timezone=True))
'''

HEADER = '''"""Generated models {first}..{last}."""
from sqlalchemy import (BigInteger, Boolean, CheckConstraint, Column, Date, Enum, ForeignKey,
                        Identity, Index, Integer, Numeric, SmallInteger, String, Text,
                        UniqueConstraint, text)
from sqlalchemy.dialects.postgresql import JSONB, UUID

from app.models.base import Base, Status, TimestampMixin
'''


def model(i, n, version):
    t = f"t{i:03d}"
    v2 = version >= 2
    every7 = v2 and i % 7 == 3
    every13 = v2 and i % 13 == 5
    every11 = v2 and i % 11 == 4
    args = [f'Index("ix_{t}_tenant_code", "tenant_id", "code")',
            f'UniqueConstraint("tenant_id", "code", name="uq_{t}_code")',
            f'CheckConstraint("amount >= 0", name="ck_{t}_amount")']
    if every7:
        args.append(f'Index("ix_{t}_name", "name")')
    cols = []
    if i % 2:
        cols.append("id = Column(BigInteger, Identity(), primary_key=True)")
    else:
        cols.append("id = Column(Integer, primary_key=True)")
    cols.append("tenant_id = Column(Integer, nullable=False)")
    cols.append(f"code = Column(String({64 if every7 else 32}), nullable=False)")
    cols.append(f"name = Column(String(120){'' if every13 else ', nullable=False'})")
    cols.append("amount = Column(Numeric(12, 2), nullable=False, server_default=text(\"0\"))")
    cols.append("active = Column(Boolean, nullable=False, "
                f"server_default=text(\"{'false' if every7 else 'true'}\"))")
    cols.append('notes = Column(Text, comment="free text")')
    if not every13:
        cols.append("legacy_ref = Column(String(40))")
    cols.append("valid_from = Column(Date)")
    cols.append("attrs = Column(JSONB)")
    cols.append("ref = Column(UUID(as_uuid=True))")
    cols.append("rank = Column(SmallInteger, nullable=False, server_default=text(\"1\"))")
    if i > 0:
        j = (i * 7 + 3) % i
        ondelete = "SET NULL" if (i % 3 == 0) != every11 else "CASCADE"
        cols.append(f'parent_id = Column(Integer, ForeignKey("t{j:03d}.id", ondelete="{ondelete}"))')
    if i % 10 == 7:
        cols.append("status = Column(Enum(Status), nullable=False, server_default=\"NEW\")")
    if every7:
        cols.append('score = Column(Integer, nullable=False, server_default=text("0"))')
    body = "\n".join("    " + c for c in cols)
    targs = ",\n        ".join(args)
    return f'''

class M{i:03d}(TimestampMixin, Base):
    __tablename__ = "{t}"
    __table_args__ = (
        {targs},
        {{"comment": "generated table {i}"}},
    )

{body}
'''


def extra(i):
    t = f"x{i:03d}"
    return f'''

class X{i:03d}(Base):
    __tablename__ = "{t}"

    id = Column(BigInteger, Identity(), primary_key=True)
    owner_id = Column(Integer, ForeignKey("t000.id", ondelete="CASCADE"), nullable=False,
                      index=True)
    label = Column(String(80), nullable=False, unique=True)
'''


def main():
    root, n, version = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    d = os.path.join(root, "app", "models")
    os.makedirs(d, exist_ok=True)
    for f in os.listdir(d):
        if f.endswith(".py"):
            os.remove(os.path.join(d, f))
    open(os.path.join(root, "app", "__init__.py"), "w").close()
    with open(os.path.join(d, "base.py"), "w") as f:
        f.write(BASE)
    count = n - 1 if version >= 2 else n  # version 2 drops the last table
    modules = []
    for m in range((n + 9) // 10):
        first, last = m * 10, min(n, m * 10 + 10) - 1
        text = HEADER.format(first=first, last=last)
        for i in range(first, last + 1):
            if i < count:
                text += model(i, n, version)
        if version >= 2 and m == 0:
            text += extra(0) + extra(1)
        name = f"m{m:02d}"
        modules.append(name)
        with open(os.path.join(d, name + ".py"), "w") as f:
            f.write(text)
    with open(os.path.join(d, "__init__.py"), "w") as f:
        f.write('"""The generated models: every module, so that Base.metadata has them all."""\n')
        f.write("from app.models.base import Base  # noqa: F401\n")
        for name in modules:
            f.write(f"from app.models import {name}  # noqa: F401\n")
    print(json.dumps({"models": count + (2 if version >= 2 else 0), "modules": len(modules) + 1,
                      "bytes": sum(os.path.getsize(os.path.join(d, x)) for x in os.listdir(d))}))


if __name__ == "__main__":
    main()
