/* models_internal.h - what the model reader's files share: Python modules loaded with
 * tree-sitter (top-level bindings, classes, statements), and the resolver that rewrites
 * PyValue trees with them. Not a public interface: models.h is. */
#ifndef RETORT_SCHEMA_MODELS_INTERNAL_H
#define RETORT_SCHEMA_MODELS_INTERNAL_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "server/alembic/pyvalue.h"
#include "server/schema/models.h"

/* Bounds on hostile input: the reader's work stays proportional to what it reads. */
enum {
  MODELS_MAX_FILES = 1000,             /* modules loaded, given and imported together */
  MODELS_MAX_FILE_BYTES = 8 << 20,     /* a bigger file is not read (a finding says so) */
  MODELS_MAX_HOPS = 24,                /* name → name → import chains followed */
  MODELS_MAX_DEPTH = 48,               /* nesting of values and annotations rewritten */
  MODELS_MAX_MRO = 64,                 /* classes in one linearisation */
  MODELS_MAX_ATTRS = 4096,             /* statements read from one class body */
  MODELS_MAX_STEPS = 50000,            /* module lookups for one expression (star imports
                                          branch, names multiply) */
  MODELS_MAX_NODES = 100000,           /* values built rewriting one expression */
};

typedef struct MModule MModule;
typedef struct MClass MClass;
typedef struct MFunc MFunc;
typedef struct MAnn MAnn;

/* A type annotation as written: `Mapped[Optional[int]]` is name "Mapped" with one argument
 * named "Optional" whose argument is "int". `X | None` is name "|" with both sides as
 * arguments; `None` is name "None". Anything else inside (Annotated metadata such as
 * `mapped_column(...)` or `50`) has name NULL and its value read as a PyValue. */
struct MAnn {
  const char *name;
  MAnn **args;
  size_t nargs;
  const PyValue *value;
  bool quoted;       /* a string forward reference ("User") */
  SrcRange range;
};

/* A `def` (module level or in a class body): what the reader may use of it is a body that is
 * a single `return <expr>` (declared_attr columns, values_callable, column helpers). */
struct MFunc {
  const char *name;
  const char **params;
  size_t nparams;
  const PyValue **decorators;  /* each decorator expression */
  size_t ndecorators;
  const PyValue *ret;          /* the returned expression when the body is one return */
  SrcRange range;
  uint32_t at;
};

typedef enum MBindKind {
  MB_VALUE,    /* NAME = expr (also NAME: T = expr) */
  MB_IMPORT,   /* from M import attr [as NAME] */
  MB_MODULE,   /* import M [as NAME] */
  MB_CLASS,
  MB_FUNC,
  MB_UNKNOWN,  /* bound in a way that is not static: loops, unpacking, conditional code */
} MBindKind;

/* One binding of a module-level name. Imports are resolved at load time to a project file
 * (`path`, loaded lazily) or left as an external module name (`ext`). */
typedef struct MBind {
  const char *name;
  MBindKind kind;
  const PyValue *value;        /* MB_VALUE */
  MAnn *ann_value;             /* MB_VALUE: the right side read as a type (aliases such as
                                  `intpk = Annotated[int, mapped_column(primary_key=True)]`) */
  const char *path;            /* MB_IMPORT / MB_MODULE: the project file or package
                                  directory, NULL when external */
  const char *ext;             /* MB_IMPORT / MB_MODULE: absolute dotted module name */
  const char *attr;            /* MB_IMPORT: the name imported */
  MClass *cls;                 /* MB_CLASS */
  MFunc *fn;                   /* MB_FUNC */
  const char *why;             /* MB_UNKNOWN: how it was bound */
  uint32_t at;                 /* start byte of the binding statement */
  SrcRange range;
  void *info;                  /* the interpreter's state for what the value makes (a
                                  MetaData, a declarative base, a Table) */
} MBind;

/* One statement of a class body that binds a name. */
typedef struct MAttr {
  const char *name;
  const PyValue *value;        /* NULL for an annotation alone */
  MAnn *ann;                   /* NULL when not annotated */
  MFunc *fn;                   /* a def: value and ann are NULL */
  bool declared_attr;          /* the def is decorated with declared_attr (any form) */
  bool is_property;            /* hybrid_property, property, ...: never a column */
  SrcRange range;
  uint32_t at;
} MAttr;

/* What the reader makes of a class (models.c fills this in). */
typedef enum MClassKind {
  MC_UNSEEN = 0,
  MC_PLAIN,          /* a mixin or any other class */
  MC_DECL_BASE,      /* a declarative base: class Base(DeclarativeBase), @as_declarative */
  MC_ABSTRACT,       /* __abstract__ = True under a declarative base */
  MC_MAPPED,         /* mapped: a table of its own, or single-table inheritance */
  MC_ENUM,           /* a Python enum.Enum subclass */
  MC_SQLMODEL,       /* a SQLModel subclass without table=True (fields only) */
  MC_SQLMODEL_TABLE, /* SQLModel with table=True */
  MC_TYPE_DECORATOR, /* a TypeDecorator subclass (impl = ...) */
  MC_UNKNOWN_BASE,   /* a base class could not be resolved */
} MClassKind;

struct MClass {
  const char *name;
  MModule *mod;
  PyArg *args;                 /* the superclasses argument list: bases and keywords */
  size_t nargs;
  const PyValue **decorators;
  size_t ndecorators;
  MAttr *attrs;
  size_t nattrs;
  bool body_dynamic;           /* an if/for/try/with in the body binds names */
  bool conditional;            /* defined inside an if/for/with block of the module */
  SrcRange dynamic_range;
  SrcRange range;              /* the class statement (decorators included) */
  uint32_t at, end;
  /* filled by the interpreter */
  MClassKind kind;
  bool visiting;               /* cycle guard while classifying */
  void *info;                  /* the interpreter's per-class state */
};

typedef enum MStmtKind {
  MS_CLASS,          /* a class statement (cls) */
  MS_ASSIGN,         /* NAME = expr (bind) */
  MS_ATTR_ASSIGN,    /* a.b.c = expr (target) */
  MS_ITEM_ASSIGN,    /* a.b[key] = expr (target, key) */
  MS_EXPR,           /* an expression statement, most often a call (value) */
} MStmtKind;

typedef struct MStmt {
  MStmtKind kind;
  MClass *cls;
  MBind *bind;
  const char *target;
  const PyValue *key;
  const PyValue *value;
  uint32_t at;
  SrcRange range;
} MStmt;

struct MModule {
  const char *path;            /* as found (absolute) */
  const char *real;            /* realpath, the module's identity */
  const char *dir;             /* directory of the file (the package for relative imports) */
  bool is_pkg;                 /* __init__.py, or a directory without one (namespace) */
  bool is_dir;                 /* a namespace package: a directory, no source */
  bool loaded, syntax_ok, too_big;
  MBind *binds;
  size_t nbinds;
  MBind **stars;               /* `from M import *` (MB_MODULE entries) */
  size_t nstars;
  MClass **classes;
  size_t nclasses;
  MStmt *stmts;                /* top-level statements of interest, in source order */
  size_t nstmts;
  const char **runtime_imports; /* project files imported when the module runs */
  size_t nruntime_imports;
  bool executed;               /* runs when the given files are imported */
  int order;                   /* execution order (post-order over imports), -1 before */
  bool in_files;               /* listed in ModelSet.files */
};

typedef struct MLoader {
  Arena *a;
  const char *root;            /* realpath of the project root, or NULL */
  RevParser *parser;
  FindingList *findings;
  MModule **mods;
  size_t nmods, capmods;
  int next_order;
  bool limit_reported;
  bool sa2;                    /* the project uses SQLAlchemy 2.0 forms (Mapped, ...) */
  bool missing;                /* a module the models run could not be read (a finding) */
  size_t steps, name_depth;    /* lookups done for the name or value being resolved */
  const char **refused;        /* import paths not read (outside the root, unreadable) */
  size_t nrefused, caprefused;
  size_t nodes, value_depth;   /* values built for the expression being rewritten */
  const char **files;          /* ModelSet.files, in load order */
  size_t nfiles, capfiles;
} MLoader;

/* ---- models_load.c ---------------------------------------------------------------- */

/** Loads (parses and reads the top level of) the file at `path`, or returns the module
 * already loaded for it. Returns NULL (and sets err when not NULL) when it cannot be read. */
MModule *mload_file(MLoader *L, const char *path, RtError *err);
/** The module of a project file or package directory found by an import (loaded on first
 * use), or NULL (the file is unreadable, or the limit on files was reached). */
MModule *mload_module(MLoader *L, const char *path);
/** Runs `m`: its runtime imports first (depth first, in source order), then gives it the
 * next execution order. Idempotent; safe with import cycles. */
void mload_execute(MLoader *L, MModule *m);
/** The project file or package directory for a submodule `name` of package module `m`, or
 * NULL. Owned by L->a. */
const char *mload_submodule(MLoader *L, const MModule *m, const char *name);
/** The binding of `name` visible at byte `at` of `m` (`at` = UINT32_MAX: the module's
 * final binding), or NULL. Star imports are not consulted here. */
MBind *mload_lookup(const MModule *m, const char *name, uint32_t at);

/* ---- models_resolve.c -------------------------------------------------------------- */

typedef enum MRefKind {
  MR_UNKNOWN,   /* not bound, or bound in a way that is not static */
  MR_EXTERNAL,  /* a name from outside the project: ext is "sqlalchemy.orm.declarative_base" */
  MR_VALUE,     /* a module-level value binding (bind) */
  MR_CLASS,     /* a project class (cls) */
  MR_FUNC,      /* a project function (bind->fn) */
  MR_MODULE,    /* a project module (mod) */
} MRefKind;

typedef struct MRef {
  MRefKind kind;
  const char *ext;
  MBind *bind;
  MModule *mod;                /* where bind or cls lives; MR_MODULE: the module */
  MClass *cls;
  const char *rest;            /* attributes after the entity ("metadata", "ACTIVE.value") */
  const char *why;             /* MR_UNKNOWN: a reason when there is one */
} MRef;

/* Where a name is looked up: a module at a byte offset, inside a class body or not. */
typedef struct MScope {
  MModule *mod;
  uint32_t at;
  MClass *cls;                 /* names of this class body bound before `at` come first */
} MScope;

/** Resolves a dotted name. Never fails: MR_UNKNOWN says it could not. */
MRef mres_name(MLoader *L, const MScope *sc, const char *dotted);
/** The canonical spelling of an external SQLAlchemy / SQLModel name: "sa.Column",
 * "postgresql.JSONB", "sqlmodel.Field"; the qualified name for other externals; NULL for
 * anything that is not external. Owned by L->a. */
const char *mres_canon(MLoader *L, const MRef *r);
/** Same as mres_canon of mres_name, for a callee or a name. */
const char *mres_canon_name(MLoader *L, const MScope *sc, const char *dotted);
/** `v` rewritten with what the module knows: names bound to literals (or to calls) are
 * substituted, SQLAlchemy names are spelled canonically ("sa.String"), `*CONSTANT` splats
 * are expanded, Enum(PythonEnum) becomes Enum("A", "B", name="pythonenum"), enum members'
 * .value / .name become strings. Never NULL for a non-NULL `v`; may return `v` itself. */
const PyValue *mres_value(MLoader *L, const MScope *sc, const PyValue *v);
/** The members of a project enum class: their NAMES (aliases included when `aliases`, as
 * SQLAlchemy 1.4 lists __members__), or their values when `values` (iterating the class:
 * no aliases; each value must be a literal string). Returns false (and *why) when they
 * cannot be read. */
bool mres_enum_members(MLoader *L, MClass *cls, bool values, bool aliases, const char ***out,
                       size_t *n, const char **why);
/** True when `cls` derives from enum.Enum (directly or through project classes). */
bool mres_is_enum(MLoader *L, MClass *cls);
/** The class a base expression of `cls` names, or its external name in *ext. */
MRef mres_base(MLoader *L, MClass *cls, const PyValue *base);
/** The binding of `name` in `cls`'s own body (its last assignment or def), or NULL. */
MAttr *mres_attr(const MClass *cls, const char *name);

/* PyValue construction (everything in arena `a`). */
PyValue *mpv_new(Arena *a, PyValueKind kind, SrcRange r);
PyValue *mpv_str(Arena *a, const char *s, SrcRange r);
PyValue *mpv_name(Arena *a, const char *dotted, SrcRange r);
PyValue *mpv_bool(Arena *a, bool b, SrcRange r);
PyValue *mpv_int(Arena *a, long long i, SrcRange r);
/** A call with room for `cap` arguments (append with mpv_arg). */
PyValue *mpv_call(Arena *a, const char *callee, size_t cap, SrcRange r);
void mpv_arg(PyValue *call, const char *name, const PyValue *value);
/** The last component of a dotted name ("sa.Column" → "Column"). */
const char *mpv_last(const char *dotted);

#endif
