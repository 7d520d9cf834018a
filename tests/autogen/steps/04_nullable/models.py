"""Step 04: nullable changes both ways."""
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
    )

    id = Column(Integer, primary_key=True)
    email = Column(String(120), nullable=False, unique=True)
    name = Column(String(50), nullable=True, index=True)
    nickname = Column(String(40), nullable=False)
    created_at = Column(DateTime, nullable=False, server_default=text("now()"))
    karma = Column(Integer, nullable=False, server_default=text("0"))
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
    body = Column(Text)
    views = Column(Integer, nullable=False, server_default=text("0"))
    published = Column(Boolean, nullable=False, server_default=text("false"))
    rating = Column(SmallInteger, nullable=False, server_default=text("3"))


class Tag(Base):
    __tablename__ = "tags"

    id = Column(Integer, primary_key=True)
    name = Column(String(40), nullable=False)
    weight = Column(Numeric(6, 2))
    description = Column(String(200))


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
