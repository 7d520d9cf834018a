"""Step 23: a table in another schema (audit) referencing a public one."""
import enum

from sqlalchemy import (JSON, BigInteger, Boolean, CheckConstraint, Column, Date, DateTime, Enum,
                        ForeignKey, Identity, Index, Integer, Interval, LargeBinary, Numeric,
                        SmallInteger, String, Text, UniqueConstraint, text)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, UUID
from sqlalchemy.orm import declarative_base

Base = declarative_base()


class PostStatus(enum.Enum):
    DRAFT = "draft"
    PUBLISHED = "published"
    HIDDEN = "hidden"
    ARCHIVED = "archived"


class User(Base):
    __tablename__ = "users"
    __table_args__ = (
        Index("ix_users_lower_email", text("lower(email)")),
        {"comment": "people who post or read"},
    )

    id = Column(Integer, primary_key=True)
    email = Column(String(120), nullable=False, unique=True, comment="the login (it's unique)")
    name = Column(String(100), nullable=True)
    handle = Column(Text, nullable=False, server_default="anon")
    created_at = Column(DateTime(timezone=True), nullable=False, server_default=text("now()"))
    karma = Column(Numeric(12, 2), nullable=False, server_default=text("10"))
    bio = Column(Text)


class Post(Base):
    __tablename__ = "posts"
    __table_args__ = (
        Index("ix_posts_published_user", "user_id", postgresql_where=text("published")),
        CheckConstraint("views >= 0", name="ck_posts_views_positive"),
    )

    id = Column(Integer, primary_key=True)
    user_id = Column(Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    editor_id = Column(Integer, ForeignKey("users.id", ondelete="SET NULL"))
    title = Column(String(200), nullable=False, index=True)
    body = Column(String(2000))
    views = Column(BigInteger, nullable=False)
    published = Column(Boolean, nullable=False, server_default=text("false"))
    rating = Column(Integer, nullable=False, server_default=text("3"))
    status = Column(Enum(PostStatus), nullable=False, server_default="DRAFT")


class Tag(Base):
    __tablename__ = "tags"
    __table_args__ = (CheckConstraint("weight < 1000"),)

    id = Column(BigInteger, primary_key=True)
    name = Column(String(40), nullable=False)
    weight = Column(Numeric(10, 3))
    description = Column(String(200), server_default="none yet", unique=True)


Index("ix_tags_name", Tag.name, Tag.weight, unique=True)
Index("ix_tags_weight_desc", Tag.weight, Tag.description)


class PostTag(Base):
    __tablename__ = "post_tags"

    post_id = Column(Integer, ForeignKey("posts.id", ondelete="CASCADE"), primary_key=True)
    tag_id = Column(Integer, primary_key=True)
    added_at = Column(DateTime(timezone=True), server_default=text("CURRENT_TIMESTAMP"))


class Order(Base):
    __tablename__ = "orders"
    __table_args__ = (
        Index("ix_orders_user_placed", "user_id", "placed_on"),
        Index("ix_orders_open", "placed_on", postgresql_where=text("state <> 'closed'")),
        {"comment": "one per checkout"},
    )

    id = Column(BigInteger, Identity(), primary_key=True)
    user_id = Column(Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    state = Column(Enum("open", "paid", "closed", name="order_state"), nullable=False,
                   server_default="open")
    total = Column(Numeric(12, 2), nullable=False, server_default=text("0"))
    placed_on = Column(Date, nullable=False, server_default=text("CURRENT_DATE"))
    ref = Column(UUID(as_uuid=True), unique=True)
    notes = Column(ARRAY(String(20)))
    extra = Column(JSONB)
    raw = Column(JSON)
    blob = Column(LargeBinary)
    hold = Column(Interval)


class OrderLine(Base):
    __tablename__ = "order_lines"
    __table_args__ = (
        UniqueConstraint("order_id", "product", name="uq_order_lines_product"),
        CheckConstraint("qty > 0", name="ck_order_lines_qty"),
    )

    order_id = Column(BigInteger, ForeignKey("orders.id", ondelete="CASCADE"), primary_key=True)
    line = Column(SmallInteger, primary_key=True)
    product = Column(String(80), nullable=False, index=True)
    qty = Column(Integer, nullable=False, server_default=text("1"))


class Event(Base):
    __tablename__ = "events"
    __table_args__ = (
        Index("ix_audit_events_user", "user_id"),
        {"schema": "audit", "comment": "what happened"},
    )

    id = Column(BigInteger, Identity(always=True), primary_key=True)
    user_id = Column(Integer, ForeignKey("users.id", ondelete="SET NULL"))
    kind = Column(String(40), nullable=False)
    at = Column(DateTime(timezone=True), nullable=False, server_default=text("now()"))


class Setting(Base):
    __tablename__ = "settings"
    __table_args__ = (UniqueConstraint("key", "value", name="uq_settings_key_value"),)

    key = Column(String(64), primary_key=True)
    value = Column(Text, nullable=False)
    big = Column(Integer)
