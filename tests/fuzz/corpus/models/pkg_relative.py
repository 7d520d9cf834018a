from pkg import Base, NAMES
import sqlalchemy as sa
class T(Base):
    __tablename__ = 'rel'
    id = sa.Column(sa.Integer, primary_key=True)
    k = sa.Column(sa.Enum(*NAMES, name='k'))

#=== 
#=== 
#=== 
#=== from sqlalchemy.orm import declarative_base
from .. import nothing
from . import *
Base = declarative_base()
NAMES = ['a', 'b']
