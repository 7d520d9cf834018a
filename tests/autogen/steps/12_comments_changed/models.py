"""Step 12: comments changed and dropped (column and table)."""
import enum

from sqlalchemy import (JSON, BigInteger, Boolean, CheckConstraint, Column, Date, DateTime, Enum,
                        ForeignKey, Identity, Index, Integer, Interval, LargeBinary, Numeric,
                        SmallInteger, String, Text, UniqueConstraint, text)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, UUID
from sqlalchemy.orm import declarative_base

Base = declarative_base()


class User(Base):
    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint("length(name) > 0", name="ck_users_name_not_empty"),
        Index("ix_users_lower_email", text("lower(email)")),
        {"comment": "people who post or read"},
    )

    id = Column(Integer, primary_key=True)
    email = Column(String(120), nullable=False, unique=True, comment="the login (it's unique)")
    name = Column(String(100), nullable=True, index=True)
    nickname = Column(Text, nullable=False, server_default="anon")
    created_at = Column(DateTime(timezone=True), nullable=False, server_default=text("now()"))
    karma = Column(Numeric(12, 2), nullable=False, server_default=text("10"))
    bio = Column(Text)


class Post(Base):
    __tablename__ = "posts"
    __table_args__ = (
        UniqueConstraint("user_id", "title", name="uq_posts_user_title"),
        Index("ix_posts_published_user", "user_id", postgresql_where=text("published")),
    )

    id = Column(Integer, primary_key=True)
    user_id = Column(Integer, ForeignKey("users.id"), nullable=False)
    title = Column(String(200), nullable=False)
    body = Column(String(2000))
    views = Column(BigInteger, nullable=False)
    published = Column(Boolean, nullable=False, server_default=text("false"))
    rating = Column(Integer, nullable=False, server_default=text("3"))


class Tag(Base):
    __tablename__ = "tags"

    id = Column(BigInteger, primary_key=True)
    name = Column(String(40), nullable=False)
    weight = Column(Numeric(10, 3))
    description = Column(String(200), server_default="none yet")


Index("ix_tags_name", Tag.name, unique=True)


class PostTag(Base):
    __tablename__ = "post_tags"

    post_id = Column(Integer, ForeignKey("posts.id", ondelete="CASCADE"), primary_key=True)
    tag_id = Column(Integer, ForeignKey("tags.id", ondelete="CASCADE"), primary_key=True)
    added_at = Column(DateTime(timezone=True), server_default=text("CURRENT_TIMESTAMP"))


class Setting(Base):
    __tablename__ = "settings"
    __table_args__ = (UniqueConstraint("value", "big"),)

    key = Column(String(64), primary_key=True)
    value = Column(Text, nullable=False)
    big = Column(Integer)
