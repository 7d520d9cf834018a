import datetime
import decimal
import enum
import uuid
from typing import Annotated, ClassVar, List, Optional
from sqlalchemy import BigInteger, DateTime, ForeignKey, MetaData, String, Text, func
from sqlalchemy.orm import (DeclarativeBase, Mapped, WriteOnlyMapped, mapped_column,
                            relationship)
intpk = Annotated[int, mapped_column(primary_key=True)]
str50 = Annotated[str, 50]
timestamp = Annotated[datetime.datetime,
                      mapped_column(nullable=False, server_default=func.now())]
class Status(enum.Enum):
    DRAFT = 'draft'
    LIVE = 'live'
    PUBLISHED = 'live'
class Base(DeclarativeBase):
    metadata = MetaData(naming_convention={'pk': 'pk_%(table_name)s',
                                           'fk': 'fk_%(table_name)s_%(column_0_name)s'})
    type_annotation_map = {str50: String(50), datetime.datetime: DateTime(timezone=True)}
class Audited:
    created_at: Mapped[timestamp]
    updated_by: Mapped[Optional[str]] = mapped_column(String(40), sort_order=10)
class User(Audited, Base):
    __tablename__ = 'user_account'
    id: Mapped[intpk]
    name: Mapped[str50]
    fullname: Mapped[str | None]
    nickname: Mapped[Optional[str]] = mapped_column(String(30))
    karma: Mapped[int] = mapped_column(BigInteger, default=0, sort_order=-1)
    balance: Mapped[decimal.Decimal]
    token: Mapped[uuid.UUID]
    status: Mapped[Status]
    bio = mapped_column(Text)
    note: ClassVar[str] = 'x'
    addresses: Mapped[List['Address']] = relationship(back_populates='user')
    posts: WriteOnlyMapped['Address'] = relationship()
    data: Mapped[dict]
class Address(Base):
    __tablename__ = 'address'
    id: Mapped[int] = mapped_column(primary_key=True)
    email_address: Mapped[str]
    user_id = mapped_column(ForeignKey('user_account.id'))
    user: Mapped['User'] = relationship(back_populates='addresses')
