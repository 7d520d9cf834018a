/* autogen.h - autogenerate: the schema the models declare compared with the schema that
 * exists (the migrations' static fold, or a database's catalog), as Alembic ops in a safe
 * order, rendered as the Python of a revision's upgrade() and downgrade(). Pure. */
#ifndef RETORT_SCHEMA_AUTOGEN_H
#define RETORT_SCHEMA_AUTOGEN_H
#include <stdbool.h>
#include <stddef.h>

#include "server/base/arena.h"
#include "server/base/finding.h"
#include "server/schema/models.h"
#include "server/schema/schema.h"

typedef enum AgKind {
  AG_CREATE_ENUM,       /* CREATE TYPE ... AS ENUM (before the tables that use it) */
  AG_ADD_ENUM_VALUES,   /* ALTER TYPE ... ADD VALUE, outside the transaction */
  AG_RECREATE_ENUM,     /* values removed or reordered: the type is rebuilt */
  AG_DROP_ENUM,         /* no column uses it any more */
  AG_CREATE_TABLE,
  AG_DROP_TABLE,
  AG_ADD_COLUMN,
  AG_DROP_COLUMN,
  AG_ALTER_COLUMN,
  AG_CREATE_INDEX,
  AG_DROP_INDEX,
  AG_ADD_CONSTRAINT,    /* unique, foreign key, check or primary key on an existing table */
  AG_DROP_CONSTRAINT,
  AG_TABLE_COMMENT,
} AgKind;

/** "create_enum", "add_enum_values", ..., "table_comment". Static storage. */
const char *ag_kind_name(AgKind k);

/* One change. Strings are owned by the arena given to autogen_run. */
typedef struct AgOp {
  AgKind kind;
  const char *op;        /* the op as written in the file: "add_column", "execute", ... */
  const char *schema;    /* NULL: the default schema */
  const char *table;     /* NULL for enum types */
  const char *name;      /* the column, index, constraint or enum type */
  const char *detail;    /* what changes, for people: "varchar(255) NOT NULL",
                            "type varchar(255) → varchar(300); NULL → NOT NULL" */
  const char *up;        /* the Python statement(s) for upgrade(), unindented */
  const char *down;      /* their inverse, for downgrade() */
} AgOp;

typedef struct AgOpList {
  AgOp *items;
  size_t len, cap;
} AgOpList;

typedef struct AutogenInput {
  const Schema *current;     /* what exists now: the fold of the migrations up to the heads,
                                or the database's catalog (catalog_read) */
  bool current_is_catalog;   /* the names of constraints in `current` are real ones */
  const ModelSet *models;    /* what should exist */
  const Schema *target;      /* models_schema(models) */
  int pg_version;            /* target server major version (enum ADD VALUE, ...) */
} AutogenInput;

typedef struct AutogenResult {
  AgOpList ops;              /* in upgrade order; downgrade() runs their `down` reversed */
  const char *upgrades;      /* the template's ${upgrades}: Alembic's layout (the first line
                                unindented, the others indented four spaces), "" when none */
  const char *downgrades;    /* ${downgrades}, likewise */
  const char *imports;       /* ${imports}: "from sqlalchemy.dialects import postgresql" or "" */
} AutogenResult;

/**
 * Compares `in->current` with the models and appends the ops that turn one into the other
 * to `out`, in this order: new enum types; new tables (referenced tables first) with their
 * indexes; for each existing table (by name): added columns, altered columns (type,
 * nullability, server default, comment), indexes and unique constraints, foreign keys,
 * checks, the primary key, the table comment, dropped columns; dropped tables
 * (referencing tables first); enum types no column uses any more. Enum types get their
 * new values with ALTER TYPE ... ADD VALUE in an autocommit block (which Alembic's
 * autogenerate cannot do); values removed or reordered rebuild the type.
 *
 * Nothing is renamed or dropped silently: a column dropped and one added with the same type
 * in one table (a table dropped and one added with the same columns) give a finding
 * "autogenerate-possible-rename" suggesting alter_column(new_column_name=) /
 * rename_table; what the models could not read (ModelTable.partial, ModelSet.complete,
 * dynamic columns) is never dropped, and a table `current` knows by name only (created
 * by raw SQL or dynamic code) is not compared column by column ("autogenerate-skipped").
 * Findings get `models`' paths and ranges. Never fails. Owned by `a`.
 */
void autogen_run(Arena *a, const AutogenInput *in, AutogenResult *out, FindingList *findings);

#endif
