from m1 import A, X
Y = X
class B(A):
    y = Column(String(Y))

#=== from models import Y
from sqlalchemy.orm import declarative_base
from sqlalchemy import *
Base = declarative_base()
X = Y
class A(Base):
    __tablename__ = 'a'
    id = Column(Integer, primary_key=True)
class C(D):
    pass
class D(C):
    pass
