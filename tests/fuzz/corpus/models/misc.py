import enum

import sqlalchemy
from sqlalchemy import Column, Integer, String
from sqlalchemy.orm import registry

mapper_registry = registry(metadata=sqlalchemy.MetaData(schema="reg"))
Base = mapper_registry.generate_base()


class Size(enum.Enum):
    S = "small"
    M = "medium"
    XL = "extra large"


@mapper_registry.mapped
class Shirt:
    __tablename__ = "shirts"
    id = Column(Integer, primary_key=True)
    size = Column(sqlalchemy.Enum(Size, native_enum=False), nullable=False)
    size2 = Column(sqlalchemy.Enum(Size, native_enum=False, length=20,
                                   values_callable=lambda t: [m.value for m in t]))
    fit = Column(sqlalchemy.Enum("slim", "regular", name="fit", create_type=False))
    code = Column(sqlalchemy.CHAR(3), sqlalchemy.Sequence("shirt_code_seq"))


class Sock(Base):
    __tablename__ = "socks"
    id = Column(Integer, primary_key=True, autoincrement=True)
    pair_id = Column(Integer, primary_key=True)
    colour = Column(String, default="black")
    label = Column(sqlalchemy.Unicode(40))
    notes = Column(sqlalchemy.UnicodeText)
    rate = Column(sqlalchemy.Float)
    ratio = Column(sqlalchemy.REAL)
    dp = Column(sqlalchemy.dialects.postgresql.DOUBLE_PRECISION)
    created = Column(sqlalchemy.TIMESTAMP(timezone=True))
    started = Column(sqlalchemy.dialects.postgresql.TIMESTAMP(precision=3))
    addr = Column(sqlalchemy.dialects.postgresql.INET)
    big = Column(sqlalchemy.BigInteger, nullable=True, server_default=sqlalchemy.text("42"))
    tags = Column(sqlalchemy.ARRAY(sqlalchemy.Integer, dimensions=2))
