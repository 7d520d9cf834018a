"""Naming step 03: foreign keys, a unique constraint, a check and indexes dropped; the Core table dropped."""
from sqlalchemy import (Boolean, CheckConstraint, Column, DateTime, ForeignKey, Integer,
                        MetaData, Numeric, String, Table, UniqueConstraint, false, func)
from sqlalchemy.orm import declarative_base

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
Base = declarative_base(metadata=MetaData(naming_convention=NAMING))


class Model(Base):
    __abstract__ = True

    id = Column(Integer, primary_key=True)
    created_at = Column(DateTime(timezone=True), nullable=False, server_default=func.now())


class Author(Model):
    __tablename__ = "authors"

    name = Column(String(80), nullable=False, unique=True)
    retired = Column(Boolean, nullable=False, server_default=false())


class Book(Model):
    __tablename__ = "books"
    __table_args__ = (
        CheckConstraint("length(title) > 0", name="title_not_empty"),
    )

    author_id = Column(Integer, ForeignKey("authors.id"), nullable=False)
    title = Column(String(200), nullable=False)
    isbn = Column(String(13))
    price = Column(Numeric(10, 2))
    editor_id = Column(Integer)

