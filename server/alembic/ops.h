/* ops.h - the typed reading of an Alembic op call: what `op.add_column("t", sa.Column(...))`
 * means (table, column definition, type, nullability, defaults, constraints), read from the
 * PyValue trees of revision.h without guessing. What cannot be read statically is dynamic. */
#ifndef RETORT_ALEMBIC_OPS_H
#define RETORT_ALEMBIC_OPS_H
#include <stdbool.h>
#include <stddef.h>

#include "server/alembic/revision.h"
#include "server/base/arena.h"
#include "server/base/finding.h"

/* Alembic's op API (alembic/operations/ops.py, 1.8.1). batch_op.* calls map to the same
 * kinds with the table taken from the enclosing batch_alter_table. */
typedef enum OpKind {
  OPK_CREATE_TABLE,
  OPK_DROP_TABLE,
  OPK_RENAME_TABLE,
  OPK_ADD_COLUMN,
  OPK_DROP_COLUMN,
  OPK_ALTER_COLUMN,             /* also a column rename (new_column_name) */
  OPK_CREATE_INDEX,
  OPK_DROP_INDEX,
  OPK_CREATE_UNIQUE_CONSTRAINT,
  OPK_CREATE_FOREIGN_KEY,
  OPK_CREATE_CHECK_CONSTRAINT,
  OPK_CREATE_PRIMARY_KEY,
  OPK_DROP_CONSTRAINT,
  OPK_CREATE_TABLE_COMMENT,
  OPK_DROP_TABLE_COMMENT,
  OPK_EXECUTE,
  OPK_BULK_INSERT,
  OPK_BATCH_ALTER_TABLE,        /* body: the batch ops, each with the batch's table */
  OPK_AUTOCOMMIT_BLOCK,         /* body: ops run outside the migration's transaction */
  OPK_OTHER,                    /* an op method not modelled (name kept), or not an op call */
} OpKind;

/** "create_table", "add_column", ..., "other". Static storage. */
const char *opkind_name(OpKind k);

/* Three-valued flags: keyword absent (Alembic's default applies), False, True. */
typedef enum Tri { TRI_UNSET = 0, TRI_FALSE, TRI_TRUE } Tri;

/* Column types, named after SQLAlchemy's classes. Upper-case SQLAlchemy forms
 * (sa.VARCHAR, sa.TIMESTAMP, sa.INTEGER, postgresql.JSONB, ...) map to the same kind;
 * `name` keeps the class name as written (last dotted component). */
typedef enum SqlTypeKind {
  ST_UNKNOWN,      /* a type class we do not model: rendered as its upper-cased name */
  ST_INTEGER, ST_BIGINT, ST_SMALLINT,
  ST_STRING,       /* String / VARCHAR / Unicode: VARCHAR(length) */
  ST_CHAR,         /* CHAR / NCHAR: CHAR(length) */
  ST_TEXT,         /* Text / TEXT / UnicodeText */
  ST_BOOLEAN,
  ST_DATE,
  ST_DATETIME,     /* DateTime / TIMESTAMP: timezone */
  ST_TIME,         /* Time / TIME: timezone */
  ST_INTERVAL,
  ST_NUMERIC,      /* Numeric / NUMERIC / DECIMAL: precision, scale */
  ST_FLOAT,        /* Float / FLOAT(precision) */
  ST_REAL,         /* REAL */
  ST_DOUBLE,       /* DOUBLE_PRECISION */
  ST_LARGEBINARY,  /* LargeBinary / BYTEA */
  ST_JSON,
  ST_JSONB,
  ST_UUID,         /* postgresql.UUID / sa.Uuid */
  ST_ARRAY,        /* item */
  ST_TSVECTOR,
  ST_ENUM,         /* sa.Enum / postgresql.ENUM: enum_values, enum_name, create_type */
  ST_INET, ST_CIDR, ST_MACADDR, ST_MONEY, ST_OID, ST_BIT,
} SqlTypeKind;

typedef struct SqlType SqlType;
struct SqlType {
  SqlTypeKind kind;
  const char *name;          /* class name as written: "String", "JSONB", "order_status" */
  int length;                /* String/CHAR/BIT length, -1 when absent */
  int precision, scale;      /* Numeric / Float / TIMESTAMP / INTERVAL precision; -1 when absent */
  bool timezone;             /* DateTime(timezone=True), TIMESTAMP(timezone=True) */
  SqlType *item;             /* ST_ARRAY element type */
  int dimensions;            /* ST_ARRAY dimensions=, -1 when absent */
  const char **enum_values;  /* ST_ENUM labels in order */
  size_t nenum_values;
  const char *enum_name;     /* name= (NULL: SQLAlchemy makes none; a PG enum needs one) */
  const char *enum_schema;   /* schema= or NULL */
  bool create_type;          /* postgresql.ENUM(create_type=...), default true */
  bool native_enum;          /* sa.Enum(native_enum=...), default true */
  bool create_constraint;    /* sa.Enum(native_enum=False, create_constraint=True): a CHECK */
  const PyValue *src;        /* the expression read */
  bool dynamic;              /* a name we cannot resolve (`order_status`), computed args */
  const char *dynamic_reason;
};

/* server_default= / existing_server_default= of a column. */
typedef enum DefaultKind {
  DEF_NONE,     /* not given */
  DEF_NULL,     /* None given: alter_column drops the default */
  DEF_STRING,   /* a Python str: rendered as an SQL string literal ('pending') */
  DEF_SQL,      /* sa.text("now()") / sa.literal_column("...") : raw SQL text */
  DEF_FUNC,     /* sa.func.now(): `text` holds "now()" */
  DEF_DYNAMIC,  /* anything else: see MigColumn.dynamic_reason */
} DefaultKind;

typedef struct MigDefault {
  DefaultKind kind;
  const char *text;   /* DEF_STRING: the string value; DEF_SQL / DEF_FUNC: SQL text */
  SrcRange range;     /* the keyword argument's value */
} MigDefault;

/* sa.ForeignKey("schema.table.col", ...) on a column, or a ForeignKeyConstraint. */
typedef struct MigForeignKey {
  const char *name;
  const char **columns;        /* local columns (one for a column-level ForeignKey) */
  size_t ncolumns;
  const char *ref_schema;      /* NULL for the default schema */
  const char *ref_table;
  const char **ref_columns;
  size_t nref_columns;
  const char *ondelete, *onupdate, *match, *initially; /* NULL when absent */
  Tri deferrable;
  bool not_valid;              /* postgresql_not_valid=True */
} MigForeignKey;

typedef enum ConstraintKind {
  CON_PRIMARY_KEY, CON_UNIQUE, CON_FOREIGN_KEY, CON_CHECK
} ConstraintKind;

/* A table-level constraint in create_table, or the one made by create_*_constraint /
 * create_primary_key / create_foreign_key. */
typedef struct MigConstraint {
  ConstraintKind kind;
  const char *name;           /* NULL when unnamed */
  bool name_conv;             /* written as op.f("..."): SQLAlchemy truncates it past 63 */
  const char **columns;       /* PK / UNIQUE / FK local columns */
  size_t ncolumns;
  MigForeignKey fk;           /* CON_FOREIGN_KEY (fk.name == name) */
  const char *condition;      /* CON_CHECK: SQL text (str or sa.text) */
  Tri deferrable;
  const char *initially;
  bool not_valid;             /* postgresql_not_valid=True (FK, CHECK) */
  SrcRange range;             /* the constraint expression (or the whole op call) */
  bool dynamic;
  const char *dynamic_reason;
} MigConstraint;

/* sa.Identity(...) / sa.Computed(...) on a column. */
typedef struct MigIdentity {
  bool present;
  bool always;                /* GENERATED ALWAYS (True) or BY DEFAULT */
  const char *options;        /* "START WITH 1 INCREMENT BY 1", or NULL */
} MigIdentity;

typedef struct MigComputed {
  bool present;
  const char *sqltext;
  Tri persisted;
} MigComputed;

/* sa.Column(name, type, *constraints, **kw). */
typedef struct MigColumn {
  const char *name;           /* NULL only when dynamic */
  SqlType *type;              /* NULL when not given (SQLAlchemy's NullType) */
  Tri nullable;               /* TRI_UNSET: SQLAlchemy's default (nullable unless primary key) */
  bool primary_key;
  bool unique;                /* unique=True: an unnamed UNIQUE (with index=True: unique index) */
  bool index;                 /* index=True (CREATE INDEX ix_<table>_<col>) */
  Tri autoincrement;          /* TRI_UNSET is "auto" */
  bool has_default;           /* a Python-side default= (no DDL, but no SERIAL either) */
  MigDefault server_default;
  const char *comment;
  MigForeignKey *fks;         /* sa.ForeignKey(...) positional arguments */
  size_t nfks;
  MigIdentity identity;
  MigComputed computed;
  const char *sequence;       /* sa.Sequence("name") given: no SERIAL, and (as in Alembic's
                                 create_table) no CREATE SEQUENCE either */
  MigConstraint *checks;      /* sa.CheckConstraint(...) positional arguments (inline) */
  size_t nchecks;
  const PyValue *src;         /* the sa.Column(...) call */
  SrcRange range;             /* of the sa.Column(...) expression */
  SrcRange nullable_range;    /* of the nullable= value; line 0 when absent */
  SrcRange type_range;        /* of the type expression */
  bool dynamic;
  const char *dynamic_reason;
} MigColumn;

/* An element of an index: a column name or an SQL expression (sa.text("lower(email)")). */
typedef struct MigIndexElem {
  const char *text;
  bool is_expr;
} MigIndexElem;

/* sa.Index(name, *elements, unique=, postgresql_where=, postgresql_using=) written inside
 * create_table: created right after the table. */
typedef struct MigTableIndex {
  const char *name;
  bool name_conv;             /* op.f("...") */
  MigIndexElem *elems;
  size_t nelems;
  bool unique;
  const char *where;          /* postgresql_where= SQL text, or NULL */
  const char *using;          /* postgresql_using=, or NULL */
  SrcRange range;
} MigTableIndex;

typedef struct MigOp MigOp;
struct MigOp {
  OpKind kind;
  const char *method;         /* the op method as called ("add_column", "create_exclude_...") */
  const Op *src;              /* the source Op (range, args); borrowed from the Revision */
  SrcRange range;             /* src->range */
  const char *schema;         /* schema= or NULL */
  const char *table;          /* the table operated on (from the batch for batch_op.*) */
  bool in_batch;              /* a batch_op.* call */
  bool dynamic;               /* not statically readable: render as a placeholder */
  const char *dynamic_reason;
  SrcRange dynamic_range;     /* the offending expression, or the op's range */

  /* OPK_CREATE_TABLE: columns and table-level constraints; OPK_ADD_COLUMN: one column. */
  MigColumn *columns;
  size_t ncolumns;
  MigConstraint *constraints; /* create_table: table-level ones; create_*_constraint,
                                 create_primary_key, create_foreign_key: exactly one */
  size_t nconstraints;
  MigTableIndex *table_indexes; /* create_table: sa.Index(...) arguments */
  size_t ntable_indexes;
  const char *table_comment;  /* create_table(comment=), create_table_comment */
  const char *existing_comment;

  /* OPK_DROP_COLUMN, OPK_ALTER_COLUMN */
  const char *column;

  /* OPK_ALTER_COLUMN (each part only when given) */
  struct {
    Tri nullable;
    SqlType *type;            /* type_= */
    MigDefault server_default; /* DEF_NONE: not given; DEF_NULL: None given (DROP DEFAULT) */
    const char *new_name;     /* new_column_name= */
    bool comment_set;         /* comment= given (may be NULL: drop the comment) */
    const char *comment;
    SqlType *existing_type;
    Tri existing_nullable;
    MigDefault existing_server_default;
    const char *using;        /* postgresql_using= */
    SrcRange nullable_range, type_range, server_default_range, new_name_range;
  } alter;

  /* OPK_CREATE_INDEX, OPK_DROP_INDEX */
  struct {
    const char *name;
    bool name_conv;           /* op.f("..."): truncated past 63 characters as SQLAlchemy does */
    MigIndexElem *elems;
    size_t nelems;
    bool unique;
    bool concurrently;        /* postgresql_concurrently=True */
    const char *where;        /* postgresql_where= (SQL text) */
    const char *using;        /* postgresql_using= ("gin") */
    const char **include;     /* postgresql_include= */
    size_t ninclude;
    bool if_not_exists, if_exists; /* newer Alembic keywords, kept when written */
    SrcRange concurrently_range;
  } index;

  /* OPK_RENAME_TABLE */
  const char *new_table;

  /* OPK_DROP_CONSTRAINT */
  const char *constraint_name;
  bool constraint_name_conv;   /* op.f("...") */
  const char *constraint_type; /* type_= ("foreignkey", "unique", "check", "primary") or NULL */

  /* OPK_EXECUTE: the SQL text when literal (str, sa.text("..."), triple-quoted), else NULL
   * and dynamic. */
  const char *sql;
  SrcRange sql_range;

  /* OPK_BULK_INSERT: the target table and rows, when literal. */
  const char **bulk_columns;   /* from sa.table(name, sa.column(c), ...) */
  size_t nbulk_columns;
  const PyValue *bulk_rows;    /* the rows list (PV_LIST of PV_DICT) */

  /* OPK_BATCH_ALTER_TABLE, OPK_AUTOCOMMIT_BLOCK */
  MigOp *body;
  size_t nbody;
};

typedef struct MigOpList {
  MigOp *items;
  size_t len;
  bool is_static;              /* no op (at any depth) is dynamic */
} MigOpList;

/**
 * Interprets every Op of `ops` (upgrade or downgrade of a Revision) as a MigOp, in order.
 * Never fails: what cannot be read statically becomes a dynamic MigOp with a reason and a
 * range. `findings` (may be NULL) receives nothing today; it is there for contradictions
 * found while reading (kept for later). Everything in `out` is owned by `arena`; it
 * borrows the Ops and PyValues of `ops`, which must outlive it.
 */
void ops_interpret(Arena *arena, const OpList *ops, MigOpList *out, FindingList *findings);

/** Interprets one Op (batch bodies included). `batch_table`/`batch_schema` are the
 * enclosing batch's, or NULL. Owned by `arena`. */
MigOp *ops_interpret_one(Arena *arena, const Op *op, const char *batch_table,
                         const char *batch_schema);

/** Interprets one type expression (`sa.String(length=32)`, `postgresql.JSONB()`). Never NULL. */
SqlType *ops_read_type(Arena *arena, const PyValue *v);

/** Interprets one `sa.Column(...)` call into *out. Returns false (and out->dynamic) when
 * `v` is not a column call. */
bool ops_read_column(Arena *arena, const PyValue *v, MigColumn *out);

/** ops_read_column for a column whose call may leave its name out (a declarative attribute
 * `email = sa.Column(sa.String(255))` is named by the attribute): `default_name` is used
 * when the call gives no name. */
bool ops_read_column_named(Arena *arena, const PyValue *v, const char *default_name,
                           MigColumn *out);

/** Interprets one table-level constraint call (sa.PrimaryKeyConstraint, UniqueConstraint,
 * ForeignKeyConstraint, CheckConstraint) into *out, as create_table reads it. Returns false
 * when `v` is none of these; what is not literal makes out->dynamic. Owned by `arena`. */
bool ops_read_constraint(Arena *arena, const PyValue *v, MigConstraint *out);

/** The first dynamic MigOp at any depth of `list` (into batch/autocommit bodies), or NULL. */
const MigOp *ops_first_dynamic(const MigOpList *list);

#endif
