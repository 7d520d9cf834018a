"""Step 01: new tables - FKs between new tables, a composite primary key, unique
constraints (named and unnamed), a named check, indexes (plain, unique, partial,
expression), server defaults, a Numeric, a table in another schema comes later."""
from sqlalchemy import (BigInteger, Boolean, CheckConstraint, Column, DateTime, ForeignKey,
                        Index, Integer, Numeric, String, Text, UniqueConstraint, text)
from sqlalchemy.orm import declarative_base

Base = declarative_base()


class User(Base):
    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint("length(name) > 0", name="ck_users_name_not_empty"),
        Index("ix_users_lower_email", text("lower(email)")),
    )

    id = Column(Integer, primary_key=True)
    email = Column(String(120), nullable=False, unique=True)
    name = Column(String(50), nullable=False, index=True)
    nickname = Column(String(40))
    created_at = Column(DateTime, nullable=False, server_default=text("now()"))
    karma = Column(Integer, nullable=False, server_default=text("0"))


class Post(Base):
    __tablename__ = "posts"
    __table_args__ = (
        UniqueConstraint("user_id", "title", name="uq_posts_user_title"),
        Index("ix_posts_published_user", "user_id", postgresql_where=text("published")),
    )

    id = Column(Integer, primary_key=True)
    user_id = Column(Integer, ForeignKey("users.id"), nullable=False)
    title = Column(String(200))
    body = Column(Text)
    views = Column(Integer, nullable=False, server_default=text("0"))
    published = Column(Boolean, nullable=False, server_default=text("false"))
    slug = Column(String(80))


class Tag(Base):
    __tablename__ = "tags"

    id = Column(Integer, primary_key=True)
    name = Column(String(40), nullable=False)
    color = Column(String(7), server_default="#000000")
    weight = Column(Numeric(6, 2))


Index("ix_tags_name", Tag.name, unique=True)


class PostTag(Base):
    __tablename__ = "post_tags"

    post_id = Column(Integer, ForeignKey("posts.id", ondelete="CASCADE"), primary_key=True)
    tag_id = Column(Integer, ForeignKey("tags.id", ondelete="CASCADE"), primary_key=True)
    added_at = Column(DateTime, server_default=text("CURRENT_TIMESTAMP"))


class Setting(Base):
    __tablename__ = "settings"
    __table_args__ = (UniqueConstraint("value", "big"),)

    key = Column(String(64), primary_key=True)
    value = Column(Text, nullable=False)
    big = Column(BigInteger)
