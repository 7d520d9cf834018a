/* models.h - SQLAlchemy and SQLModel model files read statically (tree-sitter, never
 * imported) into the tables they declare: what autogenerate compares the migrations with. */
#ifndef RETORT_SCHEMA_MODELS_H
#define RETORT_SCHEMA_MODELS_H
#include <stdbool.h>
#include <stddef.h>

#include "server/alembic/ops.h"
#include "server/alembic/project.h"
#include "server/base/arena.h"
#include "server/base/error.h"
#include "server/base/finding.h"
#include "server/schema/schema.h"

/*
 * One table as SQLAlchemy's MetaData would hold it after importing the models, in the
 * vocabulary of ops.h (so that autogenerate renders it with the same code that renders
 * migrations):
 *
 *   columns      in Table.columns order, which depends on the SQLAlchemy version:
 *                - 1.4 (Column style): the creation order of the Column objects, so the
 *                  columns of mixins and abstract bases (in the order those classes are
 *                  defined) come before the class's own, and declared_attr columns last;
 *                - 2.0 (the project uses Mapped, mapped_column, DeclarativeBase or SQLModel):
 *                  mapped_column(sort_order=) first, then the class's own attributes (its
 *                  assignments merged with its annotations, as merge_lists_w_ordering does),
 *                  then each base's in MRO order;
 *                - SQLModel: pydantic's field order, the most basic model's fields first.
 *                A single-table-inheritance subclass appends its columns to its parent's
 *                table. `nullable` is always resolved (TRI_TRUE / TRI_FALSE):
 *                SQLAlchemy's rule (primary key → NOT NULL, else nullable unless
 *                nullable=False; Mapped[X] → NOT NULL, Mapped[Optional[X]] / X | None →
 *                NULL; SQLModel: Optional[X] → NULL, else NOT NULL, primary key NOT NULL).
 *                `type` is never NULL for a readable column (from the argument, else from
 *                the annotation: int → Integer, str → String / SQLModel AutoString, ...).
 *                Column-level ForeignKey / CheckConstraint / unique / index are moved to
 *                `constraints` / `indexes` (so `fks` and `checks` are empty and `unique` /
 *                `index` false here); `primary_key` stays set on primary key columns (those
 *                of a PrimaryKeyConstraint too). A column declared with only a ForeignKey
 *                takes the type of the column it references, as SQLAlchemy does.
 *                A column that cannot be read is kept with dynamic = true and its reason
 *                (and a finding): its name, when known, still says the column exists.
 *   constraints  the primary key first (CON_PRIMARY_KEY, columns in table order, or in
 *                the order of its PrimaryKeyConstraint), then
 *                foreign keys, unique constraints and checks in declaration order
 *                (column-level ones where the column is declared, table-level ones from
 *                __table_args__ / Table(...) after the columns). Names: as written, else
 *                from the MetaData naming_convention (name_conv = true; conv("x") also sets
 *                it), else NULL (the database picks one). A convention applies from the
 *                point of execution where it is set (`Base.metadata.naming_convention = ...`
 *                after some classes does not rename their constraints).
 *   indexes      index=True columns in column order, then Index(...) of __table_args__ /
 *                Table(...), then module-level Index(Model.col, ...) statements; index=True
 *                ones are named by the "ix" convention (SQLAlchemy's default
 *                "ix_%(column_0_label)s" unless the MetaData has a naming_convention of its
 *                own; without an "ix" entry the name is NULL and a finding says SQLAlchemy
 *                cannot create it), with name_conv = true; unique=True together with
 *                index=True makes a unique index, not a constraint, as SQLAlchemy does.
 *
 * Enum types: a column whose type is an Enum has type->kind ST_ENUM with enum_name (the
 * name= argument, or the lower-cased Python enum class name as SQLAlchemy derives it) and
 * enum_values resolved: literal strings, a module-level tuple/list of strings (`*STATUSES`),
 * or a Python enum class of the project (its member NAMES, as SQLAlchemy stores them,
 * unless values_callable is `lambda x: [e.value for e in x]` or a function returning that,
 * which gives the values; aliases are member names with SQLAlchemy 1.4 and dropped with
 * 2.0, as omit_aliases= says when given). A non-native Enum (native_enum=False) is the
 * VARCHAR SQLAlchemy makes of it: ST_STRING, its length= or its longest label's.
 */
typedef struct ModelTable {
  const char *schema;          /* NULL: the default schema */
  const char *name;
  const char *class_name;      /* the declarative class, NULL for Table(...) */
  const char *path;            /* the file that declares it */
  SrcRange range;              /* the class statement, or the Table(...) call */
  MigColumn *columns;
  size_t ncolumns;
  MigConstraint *constraints;
  size_t nconstraints;
  MigTableIndex *indexes;
  size_t nindexes;
  const char *comment;         /* comment= of the table, NULL when none */
  bool partial;                /* something of this table could not be read (a finding says
                                  what): autogenerate must not drop a column, constraint or
                                  index of this table just because the models do not show it */
} ModelTable;

typedef struct ModelSet {
  ModelTable *tables;          /* in file order, then declaration order */
  size_t ntables;
  const char **files;          /* every file read (the given ones and those they import) */
  size_t nfiles;
  bool complete;               /* every mapped class and Table(...) could be given a table
                                  name: when false, autogenerate must drop no table */
  FindingList findings;        /* what could not be read, each with path and range:
                                  rule "model-syntax-error" (error) for a file that does not
                                  parse, "model-unreadable" (warning) for a construct whose
                                  meaning is not static (computed names, declared_attr,
                                  unknown column types, ...); the message names the class
                                  and column and says what autogenerate does instead */
} ModelSet;

/**
 * The model files of a project: the `models` key of its [retort] section (file paths or
 * glob patterns, `**` for any depth, relative to alembic.ini's directory, separated by
 * commas, spaces or newlines; a directory stands for the .py files below it), else
 * discovered: the modules env.py imports its
 * target_metadata from (resolved against the project root and its src/), else the .py files
 * under the project root that declare models (`__tablename__`, `Table(`, `table=True`),
 * skipping the versions directories, virtualenvs, hidden and __pycache__ directories.
 * *paths are absolute, sorted, each once (free with project_free_paths); *n may be 0.
 * Fails with ERR_CONFIG when a configured pattern matches no file (naming it).
 */
bool models_paths(const Project *p, char ***paths, size_t *n, RtError *err);

/**
 * Reads the model files `paths` (absolute). Imports between project files (`from
 * app.base import Base, TimestampMixin`, `from .enums import Status`) are followed to
 * other .py files under `root` for bases, mixins, enum classes, constants and the
 * MetaData, and such files are listed in out->files. Never fails for content: what
 * cannot be read becomes a finding (see ModelSet). Fails (ERR_IO) only when a given file
 * cannot be read. Everything in *out is owned by `arena` (findings: by out->findings,
 * free with models_free).
 */
bool models_read(Arena *arena, const char *root, const char *const *paths, size_t n,
                 ModelSet *out, RtError *err);

/** Frees what models_read allocated outside the arena (the findings). NULL-safe. */
void models_free(ModelSet *m);

/**
 * The set as a Schema in the canonical spelling of fold.h (types as fold_type_name gives
 * them, server defaults as fold_default_sql gives them), so that it compares with the fold
 * of migrations and with a database catalog. Table i of the schema is table i of the
 * set, and column j of a table is its column j (a dynamic column has type NULL). Enum
 * types used by the columns are in schema->enums, in order of first use. Free with
 * schema_delete.
 */
Schema *models_schema(const ModelSet *m);

#endif
