from sqlalchemy import (Column, Enum, ForeignKey, Index, Integer, MetaData, Numeric, String,
                        Table, Text, UniqueConstraint)
from sqlalchemy.orm import as_declarative, relationship

from m1 import Base

ROLES = ["engineer", "manager", "admin"]


class Abstract(Base):
    __abstract__ = True

    id = Column(Integer, primary_key=True)
    name = Column(String(100), nullable=False)


class Employee(Abstract):
    kind = Column(Enum(*ROLES, name="employee_kind"), nullable=False)
    salary = Column("base_salary", Numeric(10, 2))
    badge = Column(String(16), key="badge_code", unique=True)

    __mapper_args__ = {"polymorphic_on": kind, "polymorphic_identity": "employee"}


class Engineer(Employee):
    # single-table inheritance: no table of its own
    __tablename__ = None
    language = Column(String(30))
    __mapper_args__ = {"polymorphic_identity": "engineer"}


class Manager(Employee):
    __tablename__ = None
    __mapper_args__ = {"polymorphic_identity": "manager"}
    reports = Column(Integer, server_default="0")


class Admin(Employee):
    # joined inheritance
    __tablename__ = "admins"
    id = Column(ForeignKey("employee.id", ondelete="CASCADE"), primary_key=True)
    rights = Column(Text, nullable=False)
    __mapper_args__ = {"polymorphic_identity": "admin"}


skills = Table(
    "skills", Base.metadata,
    Column("employee_id", ForeignKey("employee.id"), primary_key=True),
    Column("skill", String(40), primary_key=True),
)


class Skill(Base):
    __table__ = skills

    employee = relationship("Employee")


class Project(Base):
    __table__ = Table(
        "projects", Base.metadata,
        Column("id", Integer, primary_key=True),
        Column("code", String(12), nullable=False),
        Column("lead_id", Integer, ForeignKey("employee.id", onupdate="CASCADE")),
        UniqueConstraint("code"),
    )


Index("ix_employee_name_lower", Employee.name, Employee.kind)
Index(None, Project.__table__.c.lead_id)

other_metadata = MetaData()


@as_declarative(metadata=other_metadata)
class Legacy:
    pass


class Ledger(Legacy):
    __tablename__ = "ledger"
    id = Column(Integer, primary_key=True)
    amount = Column(Numeric, nullable=False)
    memo = Column(String(200), index=True)

#=== from sqlalchemy import *  # noqa: F403
from sqlalchemy.ext.declarative import declarative_base
from sqlalchemy.orm import declared_attr


class Conventional:
    @declared_attr
    def __tablename__(cls):
        return cls.__name__.lower()


Base = declarative_base(cls=Conventional)
Base.metadata.naming_convention = {
    "ix": "ix_%(column_0_N_label)s",
    "uq": "uq_%(table_name)s_%(column_0N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s_%(referred_column_0_name)s",
    "pk": "pk_%(table_name)s",
}

audit = Table(
    "audit_log", Base.metadata,
    Column("id", BigInteger, Identity(always=True), primary_key=True),
    Column("actor", String(64), nullable=False),
    Column("action", String(32), nullable=False, server_default="update"),
    Column("at", DateTime(timezone=True), server_default=func.now(), nullable=False),
    Column("payload", JSON),
    Column("size", Integer, Computed("length(actor)")),
    UniqueConstraint("actor", "at"),
    CheckConstraint("length(action) > 0", name="action_not_empty"),
    Index("ix_audit_actor_at", "actor", "at", postgresql_using="btree"),
    schema="audit",
    comment="who did what",
)
