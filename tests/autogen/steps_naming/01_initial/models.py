"""Naming step 01: MetaData(naming_convention=...) names every constraint and index (op.f()
in the revision); an abstract base; a Core Table(...) association table with a composite
key; func.now() and sa.false() server defaults."""
from sqlalchemy import (Boolean, CheckConstraint, Column, DateTime, ForeignKey, Integer,
                        MetaData, Numeric, String, Table, false, func)
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
    __table_args__ = (CheckConstraint("price >= 0", name="price_positive"),)

    author_id = Column(Integer, ForeignKey("authors.id"), nullable=False)
    title = Column(String(200), nullable=False, index=True)
    isbn = Column(String(13), unique=True)
    price = Column(Numeric(8, 2))


book_tags = Table(
    "book_tags",
    Base.metadata,
    Column("book_id", Integer, ForeignKey("books.id", ondelete="CASCADE"), primary_key=True),
    Column("tag", String(30), primary_key=True),
)
