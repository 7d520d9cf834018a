import sqlalchemy as sa
from sqlalchemy.orm import declarative_base, declared_attr
from thirdparty import FancyType, SomeBase
Base = declarative_base()
PREFIX = 'app'
def money(precision):
    return sa.Column(sa.Numeric(precision, 2))
def created():
    return sa.Column(sa.DateTime, server_default=sa.func.now())
class Dyn(Base):
    __tablename__ = f'{PREFIX}_dyn'
    id = sa.Column(sa.Integer, primary_key=True)
class Weird(Base):
    __tablename__ = 'weird'
    id = sa.Column(sa.Integer, primary_key=True)
    computed_name = sa.Column(f'{PREFIX}_x', sa.Integer)
    fancy = sa.Column(FancyType())
    price = money(10)
    made = created()
    __table_args__ = (sa.Index('ix_weird_fancy', sa.func.lower(fancy)),)
    for i in range(3):
        locals()[f'c{i}'] = sa.Column(sa.Integer)
class External(SomeBase):
    __tablename__ = 'external'
    id = sa.Column(sa.Integer, primary_key=True)
if True:
    class Maybe(Base):
        __tablename__ = 'maybe'
        id = sa.Column(sa.Integer, primary_key=True)
class Mixed(Base):
    __tablename__ = 'mixed'
    id = sa.Column(sa.Integer, primary_key=True)
    @declared_attr
    def other(cls):
        if cls.__name__ == 'x':
            return None
        return sa.Column(sa.Integer)
