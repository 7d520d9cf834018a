/* test_models.c - the model reader: SQLAlchemy 1.4 fixtures compared line for line with
 * what SQLAlchemy itself builds from them (the expected.txt of each fixture, written by
 * dump_metadata.py and re-checked here when Debian's python3-sqlalchemy is installed);
 * SQLAlchemy 2.0, SQLModel and Flask-SQLAlchemy forms against their documented rules; every
 * construct that is not static reported as a finding; model discovery; hostile input. */
#include <criterion/criterion.h>
#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "models_dump.h"
#include "server/alembic/project.h"
#include "server/base/mem.h"
#include "server/schema/models.h"

static Arena *arena;
static char tmp[256];

static int rm_entry(const char *p, const struct stat *st, int flag, struct FTW *f) {
  (void)st, (void)flag, (void)f;
  return remove(p);
}

static void setup(void) {
  arena = arena_new();
  snprintf(tmp, sizeof tmp, "/tmp/retort-models-XXXXXX");
  cr_assert_not_null(mkdtemp(tmp));
}

static void teardown(void) {
  nftw(tmp, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
  arena_delete(arena);
}

TestSuite(models, .init = setup, .fini = teardown);

/* ---- helpers ---------------------------------------------------------------------------- */

static char *slurp(const char *path) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  Buf b = BUF_INIT;
  char chunk[4096];
  size_t n;
  while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) buf_append(&b, chunk, n);
  fclose(f);
  return b.data ? buf_detach(&b) : xstrdup("");
}

/* Writes `content` to tmp/rel (directories made). Returns the absolute path (arena). */
static const char *put(const char *rel, const char *content) {
  const char *path = arena_printf(arena, "%s/%s", tmp, rel);
  char *dir = arena_strdup(arena, path);
  for (char *p = dir + strlen(tmp) + 1; *p; p++)
    if (*p == '/') {
      *p = '\0';
      mkdir(dir, 0755);
      *p = '/';
    }
  FILE *f = fopen(path, "wb");
  cr_assert_not_null(f, "cannot write %s", path);
  fputs(content, f);
  fclose(f);
  return path;
}

static ModelSet read_paths(const char *root, const char *const *paths, size_t n) {
  ModelSet m;
  RtError err = {0};
  cr_assert(models_read(arena, root, paths, n, &m, &err), "models_read: %s", err.msg);
  return m;
}

/* Reads one model file written from `src` in the temporary project. */
static ModelSet read_src(const char *src) {
  const char *p = put("models.py", src);
  return read_paths(tmp, &p, 1);
}

static const ModelTable *table(const ModelSet *m, const char *name) {
  for (size_t k = 0; k < m->ntables; k++)
    if (!strcmp(m->tables[k].name, name)) return &m->tables[k];
  cr_assert_fail("no table %s", name);
  return NULL;
}

static bool has_table(const ModelSet *m, const char *name) {
  for (size_t k = 0; k < m->ntables; k++)
    if (!strcmp(m->tables[k].name, name)) return true;
  return false;
}

static const MigColumn *column(const ModelTable *t, const char *name) {
  for (size_t k = 0; k < t->ncolumns; k++)
    if (t->columns[k].name && !strcmp(t->columns[k].name, name)) return &t->columns[k];
  cr_assert_fail("no column %s.%s", t->name, name);
  return NULL;
}

static const char *col_names(const ModelTable *t) {
  Buf b = BUF_INIT;
  for (size_t k = 0; k < t->ncolumns; k++)
    buf_printf(&b, "%s%s", k ? "," : "", t->columns[k].name ? t->columns[k].name : "?");
  const char *s = arena_strdup(arena, buf_cstr(&b));
  buf_free(&b);
  return s;
}

static const char *type_of(const MigColumn *c) {
  const char *s = c->dynamic ? NULL : sql_render_type(arena, c->type);
  return s ? s : "?";
}

static const Finding *finding(const ModelSet *m, const char *substr) {
  for (size_t k = 0; k < m->findings.len; k++)
    if (strstr(m->findings.items[k].message, substr)) return &m->findings.items[k];
  return NULL;
}

static const char *all_findings(const ModelSet *m) {
  Buf b = BUF_INIT;
  for (size_t k = 0; k < m->findings.len; k++)
    buf_printf(&b, "%s:%u: %s\n", m->findings.items[k].rule, m->findings.items[k].range.line,
               m->findings.items[k].message);
  const char *s = arena_strdup(arena, buf_cstr(&b));
  buf_free(&b);
  return s;
}

/* ---- SQLAlchemy 1.4, compared with SQLAlchemy itself --------------------------------------- */

typedef struct Case {
  const char *dir;        /* under tests/fixtures/models */
  const char *files[6];   /* the model files given to the reader */
  const char *modules;    /* what dump_metadata.py imports */
} Case;

static const Case CASES[] = {
    {"shop", {"app/models/__init__.py"}, "app.models"},
    {"legacy", {"hr/people.py"}, "hr.people"},
    {"misc",
     {"registry_models.py", "composite.py", "edge.py", "keys.py", "inherit.py"},
     "registry_models composite edge keys inherit"},
};

static void check_case(const Case *c) {
  const char *root = arena_printf(arena, "%s/tests/fixtures/models/%s", RETORT_SOURCE_DIR, c->dir);
  const char *files[6];
  size_t n = 0;
  for (; n < 6 && c->files[n]; n++) files[n] = arena_printf(arena, "%s/%s", root, c->files[n]);
  ModelSet m = read_paths(root, files, n);
  char *got = models_dump(&m);
  char *want = slurp(arena_printf(arena, "%s/expected.txt", root));
  cr_assert_not_null(want);
  cr_expect_str_eq(got, want, "%s: the reader's tables differ from SQLAlchemy's", c->dir);
  cr_expect(m.complete, "%s", all_findings(&m));
  cr_expect_eq(m.findings.len, 0, "%s", all_findings(&m));
  for (size_t k = 0; k < m.ntables; k++) cr_expect(!m.tables[k].partial, "%s", m.tables[k].name);
  free(got);
  free(want);
  models_free(&m);
}

Test(models, shop_matches_sqlalchemy) { check_case(&CASES[0]); }
Test(models, legacy_matches_sqlalchemy) { check_case(&CASES[1]); }
Test(models, misc_matches_sqlalchemy) { check_case(&CASES[2]); }

/* The expected files are what SQLAlchemy 1.4 builds (Debian's python3-sqlalchemy). */
Test(models, expected_files_are_sqlalchemys) {
  if (system("/usr/bin/python3 -c 'import sqlalchemy' >/dev/null 2>&1") != 0)
    cr_skip_test("no /usr/bin/python3 with SQLAlchemy");
  for (size_t k = 0; k < sizeof CASES / sizeof CASES[0]; k++) {
    const char *root =
        arena_printf(arena, "%s/tests/fixtures/models/%s", RETORT_SOURCE_DIR, CASES[k].dir);
    const char *out = arena_printf(arena, "%s/%s.txt", tmp, CASES[k].dir);
    const char *cmd = arena_printf(
        arena, "/usr/bin/python3 %s/tests/fixtures/models/dump_metadata.py %s %s >%s 2>/dev/null",
        RETORT_SOURCE_DIR, root, CASES[k].modules, out);
    cr_assert_eq(system(cmd), 0, "%s", cmd);
    char *got = slurp(out);
    char *want = slurp(arena_printf(arena, "%s/expected.txt", root));
    cr_expect_str_eq(got, want, "%s/expected.txt is not what SQLAlchemy builds", CASES[k].dir);
    free(got);
    free(want);
  }
}

Test(models, table_shape_follows_the_contract) {
  const char *root = arena_printf(arena, "%s/tests/fixtures/models/shop", RETORT_SOURCE_DIR);
  const char *file = arena_printf(arena, "%s/app/models/__init__.py", root);
  ModelSet m = read_paths(root, &file, 1);
  // every file read, the given one first
  cr_assert_eq(m.nfiles, 5);
  cr_expect_str_eq(m.files[0], file);
  // tables in file order, then declaration order: catalog.py before orders.py
  cr_assert_eq(m.ntables, 4);
  cr_expect_str_eq(m.tables[0].name, "customers");
  cr_expect_str_eq(m.tables[1].name, "products");
  cr_expect_str_eq(m.tables[2].name, "orders");
  cr_expect_str_eq(m.tables[3].name, "order_items");
  const ModelTable *o = table(&m, "orders");
  cr_expect_str_eq(o->class_name, "Order");
  cr_expect(strstr(o->path, "app/models/orders.py") != NULL);
  cr_expect_eq(o->range.line, 14);
  cr_expect_str_eq(col_names(o), "created_at,updated_at,id,customer_id,status,priority,channel,"
                                 "currency,total,note,shipped_on,delivery_window,cutoff,invoice,"
                                 "weight,rating,owner_id");
  // column-level FKs, checks, unique and index moved to the table's lists
  for (size_t k = 0; k < o->ncolumns; k++) {
    cr_expect_eq(o->columns[k].nfks, 0);
    cr_expect_eq(o->columns[k].nchecks, 0);
    cr_expect(!o->columns[k].unique && !o->columns[k].index);
    cr_expect(o->columns[k].nullable != TRI_UNSET);
  }
  // PK first, then column-level ones in column order
  cr_assert_eq(o->nconstraints, 4);
  cr_expect_eq(o->constraints[0].kind, CON_PRIMARY_KEY);
  cr_expect_str_eq(o->constraints[0].name, "pk_orders");
  cr_expect(o->constraints[0].name_conv);
  cr_expect_eq(o->constraints[1].kind, CON_FOREIGN_KEY);
  cr_expect_str_eq(o->constraints[1].fk.ref_table, "customers");
  cr_expect_str_eq(o->constraints[1].fk.ondelete, "CASCADE");
  cr_expect_eq(o->constraints[2].kind, CON_CHECK);
  cr_expect_str_eq(o->constraints[3].columns[0], "owner_id");
  cr_assert_eq(o->nindexes, 1);
  cr_expect_str_eq(o->indexes[0].name, "ix_orders_customer_id");
  cr_expect(o->indexes[0].name_conv);
  // the Enum of a Python enum class: its member names, named after the class
  const MigColumn *st = column(o, "status");
  cr_assert_eq(st->type->kind, ST_ENUM);
  cr_expect_str_eq(st->type->enum_name, "orderstatus");
  cr_expect_eq(st->type->nenum_values, 4);
  cr_expect_str_eq(st->type->enum_values[0], "PENDING");
  const MigColumn *ch = column(o, "channel");
  cr_expect_str_eq(ch->type->enum_values[2], "phone");  // values_callable: the values
  // table-level after column-level; an explicit constraint name is kept
  const ModelTable *p = table(&m, "products");
  cr_expect_str_eq(p->schema, "catalog");
  cr_expect_eq(p->constraints[0].kind, CON_PRIMARY_KEY);
  cr_expect_str_eq(p->constraints[1].name, "ck_products_weight_positive");
  cr_expect_str_eq(p->constraints[2].name, "uq_products_vendor");
  cr_expect_str_eq(p->constraints[3].name, "ck_products_price_positive");
  // Column("phone_number", ...) under attribute phone
  cr_expect_str_eq(column(table(&m, "customers"), "phone_number")->type->name, "String");
  cr_expect_str_eq(table(&m, "customers")->comment, "people who buy");
  models_free(&m);
}

/* ---- SQLAlchemy 2.0 ------------------------------------------------------------------------- */

static const char SA2[] =
    "import datetime\n"
    "import decimal\n"
    "import enum\n"
    "import uuid\n"
    "from typing import Annotated, ClassVar, List, Optional\n"
    "from sqlalchemy import BigInteger, DateTime, ForeignKey, MetaData, String, Text, func\n"
    "from sqlalchemy.orm import (DeclarativeBase, Mapped, WriteOnlyMapped, mapped_column,\n"
    "                            relationship)\n"
    "intpk = Annotated[int, mapped_column(primary_key=True)]\n"
    "str50 = Annotated[str, 50]\n"
    "timestamp = Annotated[datetime.datetime,\n"
    "                      mapped_column(nullable=False, server_default=func.now())]\n"
    "class Status(enum.Enum):\n"
    "    DRAFT = 'draft'\n"
    "    LIVE = 'live'\n"
    "    PUBLISHED = 'live'\n"
    "class Base(DeclarativeBase):\n"
    "    metadata = MetaData(naming_convention={'pk': 'pk_%(table_name)s',\n"
    "                                           'fk': 'fk_%(table_name)s_%(column_0_name)s'})\n"
    "    type_annotation_map = {str50: String(50), datetime.datetime: DateTime(timezone=True)}\n"
    "class Audited:\n"
    "    created_at: Mapped[timestamp]\n"
    "    updated_by: Mapped[Optional[str]] = mapped_column(String(40), sort_order=10)\n"
    "class User(Audited, Base):\n"
    "    __tablename__ = 'user_account'\n"
    "    id: Mapped[intpk]\n"
    "    name: Mapped[str50]\n"
    "    fullname: Mapped[str | None]\n"
    "    nickname: Mapped[Optional[str]] = mapped_column(String(30))\n"
    "    karma: Mapped[int] = mapped_column(BigInteger, default=0, sort_order=-1)\n"
    "    balance: Mapped[decimal.Decimal]\n"
    "    token: Mapped[uuid.UUID]\n"
    "    status: Mapped[Status]\n"
    "    bio = mapped_column(Text)\n"
    "    note: ClassVar[str] = 'x'\n"
    "    addresses: Mapped[List['Address']] = relationship(back_populates='user')\n"
    "    posts: WriteOnlyMapped['Address'] = relationship()\n"
    "    data: Mapped[dict]\n"
    "class Address(Base):\n"
    "    __tablename__ = 'address'\n"
    "    id: Mapped[int] = mapped_column(primary_key=True)\n"
    "    email_address: Mapped[str]\n"
    "    user_id = mapped_column(ForeignKey('user_account.id'))\n"
    "    user: Mapped['User'] = relationship(back_populates='addresses')\n";

Test(models, sqlalchemy20_annotations) {
  ModelSet m = read_src(SA2);
  const ModelTable *u = table(&m, "user_account");
  // 2.0 order: sort_order first, then the class's own attributes (vars merged with
  // annotations), then the mixin's
  cr_expect_str_eq(col_names(u), "karma,id,name,fullname,nickname,bio,balance,token,status,data,"
                                 "created_at,updated_by");
  const MigColumn *c = column(u, "id");
  cr_expect(c->primary_key);
  cr_expect_eq(c->nullable, TRI_FALSE);
  cr_expect_str_eq(type_of(c), "INTEGER");
  cr_expect_str_eq(type_of(column(u, "name")), "VARCHAR(50)");         // type map, via the alias
  cr_expect_eq(column(u, "name")->nullable, TRI_FALSE);                // Mapped[X]: NOT NULL
  cr_expect_eq(column(u, "fullname")->nullable, TRI_TRUE);             // X | None
  cr_expect_str_eq(type_of(column(u, "fullname")), "VARCHAR");
  cr_expect_eq(column(u, "nickname")->nullable, TRI_TRUE);             // Optional[X]
  cr_expect_str_eq(type_of(column(u, "nickname")), "VARCHAR(30)");     // the explicit type wins
  cr_expect_str_eq(type_of(column(u, "karma")), "BIGINT");
  cr_expect(column(u, "karma")->has_default);
  cr_expect_str_eq(type_of(column(u, "balance")), "NUMERIC");
  cr_expect_str_eq(type_of(column(u, "token")), "UUID");
  cr_expect_eq(column(u, "bio")->nullable, TRI_TRUE);                  // no annotation
  const MigColumn *s = column(u, "status");
  cr_expect_str_eq(s->type->enum_name, "status");
  cr_expect_eq(s->type->nenum_values, 2);                              // 2.0 drops aliases
  const MigColumn *ts = column(u, "created_at");
  cr_expect_str_eq(type_of(ts), "TIMESTAMP WITH TIME ZONE");
  cr_expect_eq(ts->nullable, TRI_FALSE);
  cr_expect_eq(ts->server_default.kind, DEF_FUNC);
  // Mapped[dict] has no type: a dynamic column with its name, a finding, a partial table
  const MigColumn *d = column(u, "data");
  cr_expect(d->dynamic);
  cr_expect(u->partial);
  const Finding *f = finding(&m, "User.data");
  cr_assert_not_null(f, "%s", all_findings(&m));
  cr_expect_str_eq(f->rule, "model-unreadable");
  cr_expect_eq(f->severity, SEV_WARNING);
  cr_expect_eq(f->range.line, 38);
  // a mapped_column with only a ForeignKey takes the referenced column's type
  const ModelTable *a = table(&m, "address");
  cr_expect_str_eq(type_of(column(a, "user_id")), "INTEGER");
  cr_expect_eq(column(a, "email_address")->nullable, TRI_FALSE);
  cr_expect_str_eq(a->constraints[1].name, "fk_address_user_id");
  cr_expect_str_eq(a->constraints[0].name, "pk_address");
  cr_expect(!a->partial);
  cr_expect(m.complete);
  models_free(&m);
}

Test(models, sqlalchemy20_registry_and_declared_directive) {
  ModelSet m = read_src(
      "from sqlalchemy import Integer, String\n"
      "from sqlalchemy.orm import DeclarativeBase, Mapped, declared_attr, mapped_column\n"
      "class Base(DeclarativeBase):\n"
      "    @declared_attr.directive\n"
      "    def __tablename__(cls) -> str:\n"
      "        return cls.__name__.lower()\n"
      "    id: Mapped[int] = mapped_column(primary_key=True)\n"
      "class HasOwner:\n"
      "    @declared_attr\n"
      "    def owner_id(cls) -> Mapped[int]:\n"
      "        return mapped_column(Integer, index=True)\n"
      "class Widget(HasOwner, Base):\n"
      "    label: Mapped[str] = mapped_column(String(20))\n"
      "class Gadget(Widget):\n"
      "    __tablename__ = None\n"
      "    colour: Mapped[str | None]\n");
  const ModelTable *w = table(&m, "widget");
  // own, then HasOwner (its declared_attr), then Base's id; Gadget adds colour (single table)
  cr_expect_str_eq(col_names(w), "label,owner_id,id,colour");
  cr_expect_str_eq(w->indexes[0].name, "ix_widget_owner_id");
  cr_expect_eq(m.ntables, 1);
  cr_expect(m.complete, "%s", all_findings(&m));
  models_free(&m);
}

/* ---- SQLModel ------------------------------------------------------------------------------ */

static const char SQLMODEL_SRC[] =
    "import uuid\n"
    "from datetime import datetime\n"
    "from decimal import Decimal\n"
    "from enum import Enum\n"
    "from typing import ClassVar, List, Optional\n"
    "from pydantic import EmailStr\n"
    "from sqlalchemy import Column, Text, UniqueConstraint\n"
    "from sqlalchemy.dialects.postgresql import JSONB\n"
    "from sqlmodel import Field, Relationship, SQLModel\n"
    "SQLModel.metadata.naming_convention = {'ix': 'ix_%(column_0_label)s',\n"
    "                                       'uq': 'uq_%(table_name)s_%(column_0_name)s'}\n"
    "class Role(str, Enum):\n"
    "    admin = 'admin'\n"
    "    member = 'member'\n"
    "class TeamBase(SQLModel):\n"
    "    name: str = Field(index=True)\n"
    "    headquarters: str\n"
    "class Team(TeamBase, table=True):\n"
    "    id: Optional[int] = Field(default=None, primary_key=True)\n"
    "    heroes: List['Hero'] = Relationship(back_populates='team')\n"
    "class HeroBase(SQLModel):\n"
    "    name: str = Field(index=True, max_length=100)\n"
    "    secret_name: str\n"
    "    age: Optional[int] = Field(default=None, index=True)\n"
    "    email: EmailStr = Field(unique=True)\n"
    "class Hero(HeroBase, table=True):\n"
    "    __tablename__ = 'heroes'\n"
    "    __table_args__ = (UniqueConstraint('name', 'secret_name'),)\n"
    "    id: int | None = Field(default=None, primary_key=True)\n"
    "    team_id: Optional[int] = Field(default=None, foreign_key='team.id', ondelete='SET NULL')\n"
    "    role: Role = Role.member\n"
    "    power: Decimal = Field(default=0, max_digits=8, decimal_places=2)\n"
    "    token: uuid.UUID = Field(default_factory=uuid.uuid4, unique=True)\n"
    "    bio: Optional[str] = Field(default=None, sa_column=Column(Text, comment='story'))\n"
    "    extra: dict = Field(default_factory=dict, sa_type=JSONB)\n"
    "    created: datetime = Field(default_factory=datetime.utcnow, nullable=False,\n"
    "                              sa_column_kwargs={'server_default': 'now()'})\n"
    "    rank: int = Field(default=1, nullable=True)\n"
    "    team: Optional[Team] = Relationship(back_populates='heroes')\n"
    "    counter: ClassVar[int] = 0\n"
    "    _cache: dict = {}\n"
    "class HeroPublic(HeroBase):\n"
    "    id: int\n";

Test(models, sqlmodel_fields) {
  ModelSet m = read_src(SQLMODEL_SRC);
  cr_assert_eq(m.ntables, 2, "%s", all_findings(&m));
  const ModelTable *t = table(&m, "team");  // __tablename__: the class name, lower-cased
  cr_expect_str_eq(col_names(t), "name,headquarters,id");
  cr_expect_str_eq(t->indexes[0].name, "ix_team_name");
  const ModelTable *h = table(&m, "heroes");
  // pydantic's order: the base model's fields first
  cr_expect_str_eq(col_names(h), "name,secret_name,age,email,id,team_id,role,power,token,bio,"
                                 "extra,created,rank");
  cr_expect_str_eq(type_of(column(h, "name")), "VARCHAR(100)");   // AutoString(max_length)
  cr_expect_str_eq(type_of(column(h, "secret_name")), "VARCHAR");  // AutoString
  cr_expect_eq(column(h, "secret_name")->nullable, TRI_FALSE);     // not Optional: NOT NULL
  cr_expect_eq(column(h, "age")->nullable, TRI_TRUE);              // Optional: NULL
  cr_expect_str_eq(type_of(column(h, "email")), "VARCHAR");        // EmailStr
  cr_expect_eq(column(h, "id")->nullable, TRI_FALSE);              // primary key
  cr_expect_str_eq(type_of(column(h, "role")), "role");
  cr_expect_str_eq(type_of(column(h, "power")), "NUMERIC(8, 2)");
  cr_expect_str_eq(type_of(column(h, "token")), "UUID");
  cr_expect_str_eq(type_of(column(h, "bio")), "TEXT");             // sa_column: as given
  cr_expect_str_eq(column(h, "bio")->comment, "story");
  cr_expect_eq(column(h, "bio")->nullable, TRI_TRUE);
  cr_expect_str_eq(type_of(column(h, "extra")), "JSONB");          // sa_type
  cr_expect_eq(column(h, "created")->server_default.kind, DEF_STRING);
  cr_expect_eq(column(h, "rank")->nullable, TRI_TRUE);             // nullable= wins
  bool fk = false, uq_token = false;
  for (size_t k = 0; k < h->nconstraints; k++) {
    const MigConstraint *c = &h->constraints[k];
    if (c->kind == CON_FOREIGN_KEY) {
      fk = true;
      cr_expect_str_eq(c->fk.ref_table, "team");
      cr_expect_str_eq(c->fk.ondelete, "SET NULL");
    }
    if (c->kind == CON_UNIQUE && c->name && !strcmp(c->name, "uq_heroes_token")) uq_token = true;
  }
  cr_expect(fk && uq_token);
  cr_expect(m.complete);
  cr_expect_eq(m.findings.len, 0, "%s", all_findings(&m));
  models_free(&m);
}

Test(models, sqlmodel_unknown_field_type) {
  ModelSet m = read_src("from typing import List\n"
                        "from sqlmodel import Field, SQLModel\n"
                        "IS_TABLE = True\n"
                        "class Thing(SQLModel, table=IS_TABLE):\n"
                        "    id: int = Field(primary_key=True)\n"
                        "    tags: List[str]\n"
                        "class Other(SQLModel, table=bool(1)):\n"
                        "    id: int = Field(primary_key=True)\n");
  const ModelTable *t = table(&m, "thing");
  cr_expect(column(t, "tags")->dynamic);
  cr_expect(t->partial);
  cr_expect_not_null(finding(&m, "Thing.tags"), "%s", all_findings(&m));
  cr_expect_not_null(finding(&m, "Other: table= is not a literal"), "%s", all_findings(&m));
  cr_expect(!m.complete);
  models_free(&m);
}

/* ---- Flask-SQLAlchemy ---------------------------------------------------------------------- */

Test(models, flask_sqlalchemy_names_tables) {
  ModelSet m = read_src("from flask_sqlalchemy import SQLAlchemy\n"
                        "db = SQLAlchemy()\n"
                        "class UserAccount(db.Model):\n"
                        "    id = db.Column(db.Integer, primary_key=True)\n"
                        "    email = db.Column(db.String(120), unique=True, nullable=False)\n"
                        "class HTTPLog(db.Model):\n"
                        "    id = db.Column(db.BigInteger, primary_key=True)\n"
                        "    user_id = db.Column(db.Integer, db.ForeignKey('user_account.id'))\n"
                        "class Admin(UserAccount):\n"
                        "    level = db.Column(db.Integer)\n"
                        "tags = db.Table('tags', db.Column('user_id', db.ForeignKey('user_account.id')),\n"
                        "                db.Column('tag', db.String(20), primary_key=True))\n");
  cr_assert_eq(m.ntables, 3);
  cr_expect_str_eq(col_names(table(&m, "user_account")), "id,email,level");
  cr_expect_str_eq(col_names(table(&m, "http_log")), "id,user_id");
  const ModelTable *tags = table(&m, "tags");
  cr_expect_str_eq(col_names(tags), "user_id,tag");
  cr_expect_str_eq(type_of(column(tags, "user_id")), "INTEGER");
  cr_expect_eq(m.findings.len, 0, "%s", all_findings(&m));
  models_free(&m);
}

/* ---- resolution ---------------------------------------------------------------------------- */

Test(models, aliases_constants_and_imports) {
  put("pkg/__init__.py", "");
  put("pkg/consts.py", "NAME_LEN = 80\nKINDS = ('a', 'b')\nDEFAULT_KIND = KINDS[0]\n"
                       "import sqlalchemy\nMoney = sqlalchemy.Numeric(10, 2)\n");
  put("pkg/base.py", "from sqlalchemy.orm import declarative_base\nBase = declarative_base()\n");
  const char *p = put("pkg/models.py",
                      "from sqlalchemy import Column as C, Integer as I, String, Enum\n"
                      "import sqlalchemy.dialects.postgresql as pg\n"
                      "from . import consts\n"
                      "from .base import Base\n"
                      "from .consts import NAME_LEN, KINDS, Money\n"
                      "LOCAL = 'x'\n"
                      "class T(Base):\n"
                      "    __tablename__ = 't'\n"
                      "    SIZE = 12\n"
                      "    id = C(I, primary_key=True)\n"
                      "    name = C(String(NAME_LEN))\n"
                      "    code = C(String(SIZE), server_default=LOCAL)\n"
                      "    kind = C(Enum(*KINDS, name='kind'))\n"
                      "    kind2 = C(Enum(*consts.KINDS, name='kind2'))\n"
                      "    price = C(Money)\n"
                      "    doc = C(pg.JSONB)\n"
                      "    odd = C(Enum(consts.DEFAULT_KIND, name='odd'))\n");
  ModelSet m = read_paths(tmp, &p, 1);
  const ModelTable *t = table(&m, "t");
  cr_expect_str_eq(type_of(column(t, "name")), "VARCHAR(80)");
  cr_expect_str_eq(type_of(column(t, "code")), "VARCHAR(12)");
  cr_expect_str_eq(column(t, "code")->server_default.text, "x");
  cr_expect_eq(column(t, "kind")->type->nenum_values, 2);
  cr_expect_eq(column(t, "kind2")->type->nenum_values, 2);
  cr_expect_str_eq(type_of(column(t, "price")), "NUMERIC(10, 2)");
  cr_expect_str_eq(type_of(column(t, "doc")), "JSONB");
  // KINDS[0] is an expression: the column is dynamic, with a finding, never a guess
  cr_expect(column(t, "odd")->dynamic);
  cr_expect_not_null(finding(&m, "T.odd"), "%s", all_findings(&m));
  // models, then what its imports run: pkg/__init__.py (`from . import`), consts, base
  cr_expect_eq(m.nfiles, 4);
  models_free(&m);
}

Test(models, type_decorators_import_fallbacks_and_twice_declared_tables) {
  ModelSet m = read_src("import sqlalchemy as sa\n"
                        "from sqlalchemy.orm import declarative_base\n"
                        "from sqlalchemy.types import TypeDecorator\n"
                        "try:\n"
                        "    from enum import StrEnum\n"
                        "except ImportError:\n"
                        "    from backports.strenum import StrEnum\n"
                        "Base = declarative_base()\n"
                        "class TZDateTime(TypeDecorator):\n"
                        "    impl = sa.DateTime(timezone=True)\n"
                        "    cache_ok = True\n"
                        "class Code(TypeDecorator):\n"
                        "    impl = sa.String\n"
                        "class GUID(TypeDecorator):\n"
                        "    impl = sa.CHAR\n"
                        "    def load_dialect_impl(self, dialect):\n"
                        "        return dialect.type_descriptor(sa.CHAR(32))\n"
                        "class Color(StrEnum):\n"
                        "    RED = 'red'\n"
                        "    BLUE = 'blue'\n"
                        "class T(Base):\n"
                        "    __tablename__ = 't'\n"
                        "    id = sa.Column(sa.Integer, primary_key=True)\n"
                        "    at = sa.Column(TZDateTime())\n"
                        "    code = sa.Column(Code(8))\n"
                        "    guid = sa.Column(GUID())\n"
                        "    color = sa.Column(sa.Enum(Color))\n"
                        "class T2(Base):\n"
                        "    __tablename__ = 't'\n"
                        "    id = sa.Column(sa.Integer, primary_key=True)\n");
  cr_assert_eq(m.ntables, 1);
  const ModelTable *t = table(&m, "t");
  cr_expect_str_eq(t->class_name, "T");
  cr_expect_str_eq(type_of(column(t, "at")), "TIMESTAMP WITH TIME ZONE");  // the impl instance
  cr_expect_str_eq(type_of(column(t, "code")), "VARCHAR(8)");  // impl class, built with the args
  cr_expect(column(t, "guid")->dynamic);
  cr_expect_not_null(finding(&m, "T.guid: type GUID chooses its implementation"),
                     "%s", all_findings(&m));
  // the try body's import holds: Color is an enum
  cr_expect_eq(column(t, "color")->type->nenum_values, 2);
  cr_expect_not_null(finding(&m, "table t is declared twice"));
  cr_expect(t->partial);
  models_free(&m);
}

/* ---- what cannot be read ------------------------------------------------------------------ */

static const char BAD[] =
    "import sqlalchemy as sa\n"
    "from sqlalchemy.orm import declarative_base, declared_attr\n"
    "from thirdparty import FancyType, SomeBase\n"
    "Base = declarative_base()\n"
    "PREFIX = 'app'\n"
    "def money(precision):\n"
    "    return sa.Column(sa.Numeric(precision, 2))\n"
    "def created():\n"
    "    return sa.Column(sa.DateTime, server_default=sa.func.now())\n"
    "class Dyn(Base):\n"
    "    __tablename__ = f'{PREFIX}_dyn'\n"
    "    id = sa.Column(sa.Integer, primary_key=True)\n"
    "class Weird(Base):\n"
    "    __tablename__ = 'weird'\n"
    "    id = sa.Column(sa.Integer, primary_key=True)\n"
    "    computed_name = sa.Column(f'{PREFIX}_x', sa.Integer)\n"
    "    fancy = sa.Column(FancyType())\n"
    "    price = money(10)\n"
    "    made = created()\n"
    "    __table_args__ = (sa.Index('ix_weird_fancy', sa.func.lower(fancy)),)\n"
    "    for i in range(3):\n"
    "        locals()[f'c{i}'] = sa.Column(sa.Integer)\n"
    "class External(SomeBase):\n"
    "    __tablename__ = 'external'\n"
    "    id = sa.Column(sa.Integer, primary_key=True)\n"
    "if True:\n"
    "    class Maybe(Base):\n"
    "        __tablename__ = 'maybe'\n"
    "        id = sa.Column(sa.Integer, primary_key=True)\n"
    "class Mixed(Base):\n"
    "    __tablename__ = 'mixed'\n"
    "    id = sa.Column(sa.Integer, primary_key=True)\n"
    "    @declared_attr\n"
    "    def other(cls):\n"
    "        if cls.__name__ == 'x':\n"
    "            return None\n"
    "        return sa.Column(sa.Integer)\n";

Test(models, unreadable_constructs_are_findings) {
  ModelSet m = read_src(BAD);
  cr_expect(!m.complete);  // table names that cannot be known: drop no table
  cr_expect(!has_table(&m, "app_dyn"));
  cr_expect_not_null(finding(&m, "Dyn: its __tablename__ is not static"), "%s", all_findings(&m));
  cr_expect_not_null(finding(&m, "External looks like a model"));
  cr_expect_not_null(finding(&m, "Maybe is defined inside conditional code"));
  const ModelTable *w = table(&m, "weird");
  cr_expect(w->partial);
  // the computed name: the column is kept, unnamed and dynamic; its attribute is named
  const Finding *f = finding(&m, "Weird.computed_name");
  cr_assert_not_null(f, "%s", all_findings(&m));
  cr_expect_eq(f->range.line, 16);
  cr_expect_eq(f->range.col, 21);
  bool unnamed = false;
  for (size_t k = 0; k < w->ncolumns; k++)
    if (!w->columns[k].name && w->columns[k].dynamic) unnamed = true;
  cr_expect(unnamed);
  cr_expect(column(w, "fancy")->dynamic);
  cr_expect_not_null(finding(&m, "Weird.fancy"));
  cr_expect_not_null(finding(&m, "Weird.price: the column is built by money(...)"));
  // a helper called without arguments is read through
  cr_expect_str_eq(type_of(column(w, "made")), "TIMESTAMP WITHOUT TIME ZONE");
  cr_expect_not_null(finding(&m, "an index cannot be read"));
  cr_expect_not_null(finding(&m, "binds names in conditional code"));
  cr_expect(table(&m, "mixed")->partial);
  cr_expect_not_null(finding(&m, "Mixed.other: a declared_attr"));
  for (size_t k = 0; k < m.findings.len; k++) {
    cr_expect_str_eq(m.findings.items[k].rule, "model-unreadable");
    cr_expect(m.findings.items[k].range.line > 0, "%s", m.findings.items[k].message);
    cr_expect(strstr(m.findings.items[k].message, "autogenerate") != NULL,
              "says what autogenerate does: %s", m.findings.items[k].message);
  }
  models_free(&m);
}

Test(models, syntax_error_is_a_finding) {
  ModelSet m = read_src("import sqlalchemy as sa\n"
                        "from sqlalchemy.orm import declarative_base\n"
                        "Base = declarative_base()\n"
                        "class A(Base):\n"
                        "    __tablename__ = 'a'\n"
                        "    id = sa.Column(sa.Integer, primary_key=True\n"
                        "class B(Base):\n"
                        "    __tablename__ = 'b'\n");
  cr_expect(!m.complete);
  cr_assert(m.findings.len >= 1);
  cr_expect_str_eq(m.findings.items[0].rule, "model-syntax-error");
  cr_expect_eq(m.findings.items[0].severity, SEV_ERROR);
  cr_expect(strstr(m.findings.items[0].message, "never closed") != NULL, "%s",
            m.findings.items[0].message);
  models_free(&m);
}

Test(models, naming_convention_details) {
  ModelSet m = read_src(
      "import sqlalchemy as sa\n"
      "from sqlalchemy.orm import declarative_base\n"
      "Base = declarative_base()\n"
      "Base.metadata.naming_convention = {'ck': 'ck_%(table_name)s_%(constraint_name)s',\n"
      "                                   'uq': 'uq_%(table_name)s_%(column_0_name)s'}\n"
      "class A(Base):\n"
      "    __tablename__ = 'a'\n"
      "    id = sa.Column(sa.Integer, primary_key=True)\n"
      "    x = sa.Column(sa.Integer, index=True)\n"
      "    y = sa.Column(sa.Integer, sa.CheckConstraint('y > 0'), unique=True)\n"
      "    __table_args__ = (sa.UniqueConstraint('x', name=sa.schema.conv('keep_me')),)\n");
  const ModelTable *a = table(&m, "a");
  // a convention without "ix": the index has no name (SQLAlchemy cannot create it)
  cr_assert_eq(a->nindexes, 1);
  cr_expect_null(a->indexes[0].name);
  cr_expect_not_null(finding(&m, "no \"ix\" entry"), "%s", all_findings(&m));
  // %(constraint_name)s on an unnamed check: SQLAlchemy refuses it; the name is unknown
  cr_expect_not_null(finding(&m, "constraint_name"), "%s", all_findings(&m));
  cr_expect(a->partial);
  bool conv = false;
  for (size_t k = 0; k < a->nconstraints; k++)
    if (a->constraints[k].name && !strcmp(a->constraints[k].name, "keep_me")) conv = true;
  cr_expect(conv);
  models_free(&m);
}

/* ---- discovery ----------------------------------------------------------------------------- */

static Project *project_with(const char *retort_section) {
  put("alembic.ini", arena_printf(arena, "[alembic]\nscript_location = migrations\n\n%s",
                                  retort_section));
  put("migrations/versions/.keep", "");
  put("migrations/versions/abc_first.py",
      "revision = 'abc'\ndown_revision = None\nimport sqlalchemy as sa\n"
      "def upgrade():\n    op.create_table('x', sa.Column('id', sa.Integer))\n");
  Project *p = NULL;
  RtError err = {0};
  cr_assert(project_discover(tmp, NULL, &p, &err), "%s", err.msg);
  return p;
}

Test(models, paths_from_setting) {
  put("app/models/a.py", "x = 1\n");
  put("app/models/sub/b.py", "x = 1\n");
  put("app/other.py", "x = 1\n");
  Project *p = project_with("[retort]\nmodels = app/models/**/*.py, app/other.py\n");
  char **paths;
  size_t n;
  RtError err = {0};
  cr_assert(models_paths(p, &paths, &n, &err), "%s", err.msg);
  cr_assert_eq(n, 3);
  cr_expect(strstr(paths[0], "/app/models/a.py") != NULL, "%s", paths[0]);
  cr_expect(strstr(paths[1], "/app/models/sub/b.py") != NULL, "%s", paths[1]);
  cr_expect(strstr(paths[2], "/app/other.py") != NULL, "%s", paths[2]);
  cr_expect_eq(paths[0][0], '/');
  project_free_paths(paths, n);
  project_delete(p);
}

Test(models, paths_setting_that_matches_nothing_fails) {
  Project *p = project_with("[retort]\nmodels = nowhere/*.py\n");
  char **paths;
  size_t n;
  RtError err = {0};
  cr_assert(!models_paths(p, &paths, &n, &err));
  cr_expect_eq(err.kind, ERR_CONFIG);
  cr_expect(strstr(err.msg, "nowhere/*.py") != NULL, "%s", err.msg);
  cr_expect_null(paths);
  project_delete(p);
}

Test(models, paths_from_env_py) {
  put("app/__init__.py", "");
  put("app/models.py", "class A:\n    __tablename__ = 'a'\n");
  put("app/config.py", "URL = 'x'\n");
  put("app/extra_models.py", "class B:\n    __tablename__ = 'b'\n");
  put("migrations/env.py", "from alembic import context\n"
                           "from app.models import Base\n"
                           "from app.config import URL\n"
                           "import app.extra_models  # noqa: registers the tables\n"
                           "target_metadata = Base.metadata\n"
                           "def run():\n    print(URL)\n");
  Project *p = project_with("");
  char **paths;
  size_t n;
  RtError err = {0};
  cr_assert(models_paths(p, &paths, &n, &err), "%s", err.msg);
  cr_assert_eq(n, 2);
  cr_expect(strstr(paths[0], "/app/extra_models.py") != NULL, "%s", paths[0]);
  cr_expect(strstr(paths[1], "/app/models.py") != NULL, "%s", paths[1]);
  project_free_paths(paths, n);
  project_delete(p);
}

Test(models, paths_by_scanning) {
  put("app/models.py", "class A(Base):\n    __tablename__ = 'a'\n");
  put("app/tables.py", "t = Table('t', metadata)\n");
  put("app/util.py", "def f():\n    return 1\n");
  put(".venv/lib/site.py", "__tablename__ = 'no'\n");
  put("env2/pyvenv.cfg", "home = /usr\n");
  put("env2/lib/m.py", "__tablename__ = 'no'\n");
  put("app/__pycache__/m.py", "__tablename__ = 'no'\n");
  Project *p = project_with("");
  char **paths;
  size_t n;
  RtError err = {0};
  cr_assert(models_paths(p, &paths, &n, &err), "%s", err.msg);
  cr_assert_eq(n, 2, "%zu: %s", n, n ? paths[0] : "");
  cr_expect(strstr(paths[0], "/app/models.py") != NULL);
  cr_expect(strstr(paths[1], "/app/tables.py") != NULL);
  project_free_paths(paths, n);
  project_delete(p);
}

/* ---- the schema view ----------------------------------------------------------------------- */

Test(models, schema_in_canonical_spelling) {
  ModelSet m = read_src(
      "import enum\n"
      "import sqlalchemy as sa\n"
      "from sqlalchemy.orm import declarative_base\n"
      "Base = declarative_base()\n"
      "class Mood(enum.Enum):\n"
      "    HAPPY = 1\n"
      "    SAD = 2\n"
      "class P(Base):\n"
      "    __tablename__ = 'p'\n"
      "    id = sa.Column(sa.Integer, primary_key=True)\n"
      "class C(Base):\n"
      "    __tablename__ = 'c'\n"
      "    __table_args__ = ({'schema': 's', 'comment': 'children'},)[0]\n"
      "    id = sa.Column(sa.BigInteger, primary_key=True)\n"
      "    p_id = sa.Column(sa.ForeignKey('p.id', ondelete='cascade'), nullable=False)\n"
      "    at = sa.Column(sa.DateTime(timezone=True), server_default=sa.func.now())\n"
      "    label = sa.Column(sa.String(20), server_default='x', comment='shown')\n"
      "    mood = sa.Column(sa.Enum(Mood))\n"
      "    tags = sa.Column(sa.ARRAY(sa.Text))\n"
      "    __table_args__ = (sa.Index('ix_c_tags', 'tags', postgresql_using='gin'),\n"
      "                      {'schema': 's', 'comment': 'children'})\n");
  Schema *s = models_schema(&m);
  cr_assert_eq(s->ntables, 2);
  const SchemaTable *c = s->tables[1];
  cr_expect_str_eq(c->schema, "s");
  cr_expect_str_eq(c->comment, "children");
  cr_expect_str_eq(c->cols[0]->type, "bigint");
  cr_expect(c->cols[0]->identity);  // BIGSERIAL
  cr_expect(!c->cols[0]->nullable);
  cr_expect_str_eq(c->cols[1]->type, "integer");
  cr_expect(!c->cols[1]->identity);
  cr_expect_str_eq(c->cols[2]->type, "timestamptz");
  cr_expect_str_eq(c->cols[2]->server_default, "now()");
  cr_expect_str_eq(c->cols[3]->type, "varchar(20)");
  cr_expect_str_eq(c->cols[3]->server_default, "'x'");
  cr_expect_str_eq(c->cols[3]->comment, "shown");
  cr_expect_str_eq(c->cols[4]->type, "mood");
  cr_expect_str_eq(c->cols[5]->type, "text[]");
  cr_assert_eq(s->nenums, 1);
  cr_expect_str_eq(s->enums[0]->name, "mood");
  cr_expect_eq(s->enums[0]->nvalues, 2);
  cr_expect_str_eq(c->indexes[0]->method, "gin");
  bool fk = false;
  for (size_t k = 0; k < c->ncons; k++)
    if (c->cons[k]->kind == CON_FOREIGN_KEY) {
      fk = true;
      cr_expect_str_eq(c->cons[k]->ondelete, "CASCADE");
      cr_expect_str_eq(c->cons[k]->ref_table, "p");
    }
  cr_expect(fk);
  schema_delete(s);
  models_free(&m);
}

Test(models, schema_keeps_one_table_per_model_table) {
  ModelSet m = read_src("import sqlalchemy as sa\n"
                        "m1 = sa.MetaData()\n"
                        "m2 = sa.MetaData()\n"
                        "a = sa.Table('t', m1, sa.Column('x', sa.Integer))\n"
                        "b = sa.Table('t', m2, sa.Column('y', sa.Text), sa.Column('z', sa.Text))\n");
  cr_assert_eq(m.ntables, 2);
  Schema *s = models_schema(&m);
  cr_assert_eq(s->ntables, 2);
  cr_expect_eq(s->tables[0]->ncols, 1);
  cr_expect_eq(s->tables[1]->ncols, 2);
  cr_expect_str_eq(s->tables[1]->cols[1]->name, "z");
  schema_delete(s);
  models_free(&m);
}

/* ---- hostile input ------------------------------------------------------------------------- */

Test(models, import_cycles_and_self_references_end) {
  put("a.py", "from b import B, X\nimport sqlalchemy as sa\n"
              "from sqlalchemy.orm import declarative_base\nBase = declarative_base()\n"
              "Y = X\nclass A(Base):\n    __tablename__ = 'a'\n"
              "    id = sa.Column(sa.Integer, primary_key=True)\n    y = sa.Column(sa.String(Y))\n");
  const char *b = put("b.py", "from a import A, Y\nX = Y\nclass B(A):\n    pass\n"
                              "class C(D):\n    pass\nclass D(C):\n    pass\n"
                              "P = Q\nQ = P\n");
  ModelSet m = read_paths(tmp, &b, 1);
  const ModelTable *a = table(&m, "a");
  cr_expect(column(a, "y")->dynamic);
  cr_expect_eq(m.nfiles, 2);
  models_free(&m);
}

Test(models, deep_nesting_and_huge_bodies_are_bounded) {
  Buf b = BUF_INIT;
  buf_puts(&b, "import sqlalchemy as sa\nfrom sqlalchemy.orm import declarative_base\n"
               "Base = declarative_base()\nclass Big(Base):\n    __tablename__ = 'big'\n"
               "    id = sa.Column(sa.Integer, primary_key=True)\n");
  for (int k = 0; k < 6000; k++) buf_printf(&b, "    c%d = sa.Column(sa.Integer)\n", k);
  buf_puts(&b, "X = ");
  for (int k = 0; k < 200; k++) buf_puts(&b, "[");
  for (int k = 0; k < 200; k++) buf_puts(&b, "]");
  buf_puts(&b, "\nclass Deep(Base):\n    __tablename__ = 'deep'\n"
               "    id = sa.Column(sa.Integer, primary_key=True)\n    v = sa.Column(sa.String(X))\n");
  ModelSet m = read_src(buf_cstr(&b));
  buf_free(&b);
  const ModelTable *big = table(&m, "big");
  cr_expect(big->partial);  // the rest of a huge body is not read, and that is said
  cr_expect(big->ncolumns < 6001);
  cr_expect(column(table(&m, "deep"), "v")->dynamic);
  models_free(&m);
  // a line tree-sitter must not see
  Buf d = BUF_INIT;
  buf_puts(&d, "x = ");
  for (int k = 0; k < 40000; k++) buf_puts(&d, "(");
  ModelSet m2 = read_src(buf_cstr(&d));
  buf_free(&d);
  cr_expect(!m2.complete);
  cr_expect_str_eq(m2.findings.items[0].rule, "model-syntax-error");
  models_free(&m2);
}

Test(models, an_imported_module_that_cannot_be_read) {
  if (geteuid() == 0) cr_skip_test("root reads files whatever their mode");
  put("hidden.py", "import sqlalchemy as sa\nX = 1\n");
  chmod(arena_printf(arena, "%s/hidden.py", tmp), 0);
  ModelSet m = read_src("import hidden\nfrom sqlalchemy.orm import declarative_base\n"
                        "Base = declarative_base()\n");
  cr_expect(!m.complete);
  cr_expect_not_null(finding(&m, "cannot be read"), "%s", all_findings(&m));
  models_free(&m);
}

Test(models, exponential_names_and_values_are_bounded) {
  // star imports of a package by itself and by its siblings: every lookup branches
  put("pkg/__init__.py", "from . import *\nfrom .a import *\nfrom .b import *\nfrom .. import x\n");
  put("pkg/a.py", "from . import *\nfrom .b import *\nfrom pkg import *\n");
  put("pkg/b.py", "from . import *\nfrom .a import *\nfrom pkg import *\n");
  // each value twice the one before: 2^40 calls if substituted naively
  Buf b = BUF_INIT;
  buf_puts(&b, "from pkg import *\nimport sqlalchemy as sa\n"
               "from sqlalchemy.orm import declarative_base\nBase = declarative_base()\n"
               "X0 = sa.text('0')\n");
  for (int k = 1; k <= 40; k++) buf_printf(&b, "X%d = sa.func.coalesce(X%d, X%d)\n", k, k - 1, k - 1);
  buf_puts(&b, "class T(Base):\n    __tablename__ = 't'\n"
               "    id = sa.Column(sa.Integer, primary_key=True)\n"
               "    k = sa.Column(sa.Integer, server_default=X40)\n"
               "    u = sa.Column(Unknown)\n");
  ModelSet m = read_src(buf_cstr(&b));
  buf_free(&b);
  const ModelTable *t = table(&m, "t");
  cr_expect(column(t, "k")->dynamic);
  cr_expect(column(t, "u")->dynamic);
  models_free(&m);
}

Test(models, unreadable_file_fails) {
  const char *p = arena_printf(arena, "%s/missing.py", tmp);
  ModelSet m;
  RtError err = {0};
  cr_assert(!models_read(arena, tmp, &p, 1, &m, &err));
  cr_expect_eq(err.kind, ERR_IO);
  cr_expect(strstr(err.msg, "missing.py") != NULL);
  models_free(&m);  // safe after a failure
  models_free(NULL);
}
