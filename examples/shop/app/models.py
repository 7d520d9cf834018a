"""The shop's SQLAlchemy models: the schema that migrations/ produces at head."""
from sqlalchemy import (BigInteger, Boolean, CheckConstraint, Column, DateTime, Enum,
                        ForeignKey, Index, Integer, String, Text, text)
from sqlalchemy.orm import declarative_base, relationship

Base = declarative_base()

ORDER_STATUSES = ('pending', 'paid', 'shipped', 'cancelled', 'refunded')


class Customer(Base):
    __tablename__ = 'customers'

    id = Column(Integer, primary_key=True)
    email = Column(String(255), nullable=False, unique=True)
    name = Column(String(120), nullable=False)
    phone = Column(String(32), nullable=True)
    created_at = Column(DateTime(timezone=True), nullable=False, server_default=text('now()'))

    orders = relationship('Order', back_populates='customer')


class Product(Base):
    __tablename__ = 'products'

    id = Column(Integer, primary_key=True)
    sku = Column(String(64), nullable=False, index=True, unique=True)
    name = Column(String(200), nullable=False)
    description = Column(Text, nullable=True)
    price_cents = Column(Integer, nullable=False)
    active = Column(Boolean, nullable=False, server_default=text('true'))
    created_at = Column(DateTime(timezone=True), nullable=False, server_default=text('now()'))


class Order(Base):
    __tablename__ = 'orders'
    __table_args__ = (
        Index('ix_orders_customer_id_created_at', 'customer_id', 'created_at'),
    )

    id = Column(Integer, primary_key=True)
    customer_id = Column(Integer, ForeignKey('customers.id', ondelete='RESTRICT'),
                         nullable=False)
    status = Column(Enum(*ORDER_STATUSES, name='order_status'), nullable=False,
                    server_default='pending')
    total_cents = Column(BigInteger, nullable=False, server_default=text('0'))
    created_at = Column(DateTime(timezone=True), nullable=False, server_default=text('now()'))

    customer = relationship('Customer', back_populates='orders')
    items = relationship('OrderItem', back_populates='order', cascade='all, delete-orphan')


class OrderItem(Base):
    __tablename__ = 'order_items'
    __table_args__ = (
        CheckConstraint('quantity > 0', name='ck_order_items_quantity_positive'),
    )

    id = Column(Integer, primary_key=True)
    order_id = Column(Integer, ForeignKey('orders.id', ondelete='CASCADE'), nullable=False,
                      index=True)
    product_id = Column(Integer, ForeignKey('products.id'), nullable=False)
    quantity = Column(Integer, nullable=False)
    unit_price_cents = Column(Integer, nullable=False)

    order = relationship('Order', back_populates='items')
    product = relationship('Product')
