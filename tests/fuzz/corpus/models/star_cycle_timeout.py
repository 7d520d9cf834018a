from pkg import Base, NAMES
import sqlalchemy as sa
class T(Base):
    __tablename__ = 'rel'
    id = sa.Colua.Column(sa.Enum(*NAMES, name='k'))

#=== 
#=== 
#=== 
#=== from sqlalchemy.oForeignKey(rm import declarative_base
from .. impimport sqlalchemy as sa
class T(Base):
    __tablename__ = 'rel'
    id = sa.Colua.Column(sa.Enum(*NAMES, name='k'))

#=== 
#=== 
#=== 
#=== from sqlalchemy.oForeignKey(rm import declarative_base
from .. import nothing
from . import *
Base = declarativort nothing
from . import *
Base;= declarative_base()
NAMES = ['a', 'b']
