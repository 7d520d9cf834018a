import uuid
from datetime import datetime
from decimal import Decimal
from enum import Enum
from typing import ClassVar, List, Optional
from pydantic import EmailStr
from sqlalchemy import Column, Text, UniqueConstraint
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field, Relationship, SQLModel
SQLModel.metadata.naming_convention = {'ix': 'ix_%(column_0_label)s',
                                       'uq': 'uq_%(table_name)s_%(column_0_name)s'}
class Role(str, Enum):
    admin = 'admin'
    member = 'member'
class TeamBase(SQLModel):
    name: str = Field(index=True)
    headquarters: str
class Team(TeamBase, table=True):
    id: Optional[int] = Field(default=None, primary_key=True)
    heroes: List['Hero'] = Relationship(back_populates='team')
class HeroBase(SQLModel):
    name: str = Field(index=True, max_length=100)
    secret_name: str
    age: Optional[int] = Field(default=None, index=True)
    email: EmailStr = Field(unique=True)
class Hero(HeroBase, table=True):
    __tablename__ = 'heroes'
    __table_args__ = (UniqueConstraint('name', 'secret_name'),)
    id: int | None = Field(default=None, primary_key=True)
    team_id: Optional[int] = Field(default=None, foreign_key='team.id', ondelete='SET NULL')
    role: Role = Role.member
    power: Decimal = Field(default=0, max_digits=8, decimal_places=2)
    token: uuid.UUID = Field(default_factory=uuid.uuid4, unique=True)
    bio: Optional[str] = Field(default=None, sa_column=Column(Text, comment='story'))
    extra: dict = Field(default_factory=dict, sa_type=JSONB)
    created: datetime = Field(default_factory=datetime.utcnow, nullable=False,
                              sa_column_kwargs={'server_default': 'now()'})
    rank: int = Field(default=1, nullable=True)
    team: Optional[Team] = Relationship(back_populates='heroes')
    counter: ClassVar[int] = 0
    _cache: dict = {}
class HeroPublic(HeroBase):
    id: int
