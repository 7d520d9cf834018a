import datetime

import sqlalchemy as sa
from sqlalchemy import orm
from sqlalchemy.orm import column_property, deferred, relationship

from m2 import Channel, OrderStatus, Priority
from m1 import Base, OwnedMixin, TimestampMixin

CURRENCIES = ("EUR", "USD", "GBP")
DEFAULT_CURRENCY = "EUR"


class Order(OwnedMixin, TimestampMixin, Base):
    __tablename__ = "orders"

    id = sa.Column(sa.Integer, primary_key=True)
    customer_id = sa.Column(sa.Integer, sa.ForeignKey("customers.id", ondelete="CASCADE"),
                            nullable=False, index=True)
    status = sa.Column(sa.Enum(OrderStatus), nullable=False,
                       server_default=OrderStatus.PENDING.name)
    priority = sa.Column(sa.Enum(Priority, name="order_priority"))
    channel = sa.Column(sa.Enum(Channel, values_callable=lambda x: [e.value for e in x]))
    currency = sa.Column(sa.Enum(*CURRENCIES, name="currency"), nullable=False,
                         server_default=DEFAULT_CURRENCY)
    total = sa.Column(sa.Numeric(12, 2), nullable=False)
    note = deferred(sa.Column(sa.Text))
    shipped_on = column_property(sa.Column(sa.Date))
    delivery_window = sa.Column(sa.Interval)
    cutoff = sa.Column(sa.Time(timezone=True))
    invoice = sa.Column(sa.LargeBinary)
    weight = sa.Column(sa.Float(precision=24))
    rating = sa.Column(sa.SmallInteger, sa.CheckConstraint("rating between 1 and 5", name="rating"))

    customer = relationship("Customer")
    items = orm.relationship("OrderItem", back_populates="order")

    @property
    def is_paid(self):
        return self.status == OrderStatus.PAID

    created_year = datetime.date.today().year  # a plain class attribute


class OrderItem(Base):
    __tablename__ = "order_items"
    __table_args__ = (sa.PrimaryKeyConstraint("order_id", "line"),)

    order_id = sa.Column(sa.ForeignKey("orders.id", ondelete="CASCADE"))
    line = sa.Column(sa.Integer, autoincrement=False)
    product_id = sa.Column(sa.ForeignKey("catalog.products.id"), nullable=False)
    quantity = sa.Column(sa.Integer, nullable=False, server_default=sa.text("1"))

    order = relationship("Order", back_populates="items")

#=== import sqlalchemy as sa
from sqlalchemy.orm import declarative_base, declared_attr

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = sa.MetaData(naming_convention=NAMING)
Base = declarative_base(metadata=metadata)

NAME_LENGTH = 120


class TimestampMixin:
    created_at = sa.Column(sa.DateTime(timezone=True), nullable=False,
                           server_default=sa.text("now()"))
    updated_at = sa.Column(sa.DateTime(timezone=True), onupdate=sa.func.now())


class IdMixin:
    id = sa.Column(sa.BigInteger, primary_key=True)


class OwnedMixin:
    @declared_attr
    def owner_id(cls):
        return sa.Column(sa.ForeignKey("customers.id", ondelete="SET NULL"))

#=== """Python enums used by the models (SQLAlchemy stores member names unless told otherwise)."""
import enum


class OrderStatus(str, enum.Enum):
    PENDING = "pending"
    PAID = "paid"
    SHIPPED = "shipped"
    CANCELLED = "cancelled"


class Priority(enum.IntEnum):
    LOW = 1
    NORMAL = 2
    HIGH = 3
    URGENT = 3  # an alias of HIGH, not a member


class Channel(enum.Enum):
    WEB = "web"
    STORE = "store"
    PHONE = "phone"
