/* revision.h - one Alembic revision file, read with tree-sitter and never imported:
 * its identity (module-level assignments, docstring) and, in full mode, its ops. */
#ifndef RETORT_ALEMBIC_REVISION_H
#define RETORT_ALEMBIC_REVISION_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "server/base/arena.h"
#include "server/base/finding.h"

/* A Python expression read statically. Literals are evaluated (strings unescaped,
 * implicit concatenation joined); calls keep their callee and arguments; anything
 * else is PV_EXPR with its source text, so nothing is dropped. */
typedef enum PyValueKind {
  PV_NONE, PV_BOOL, PV_INT, PV_FLOAT, PV_STR, PV_TUPLE, PV_LIST, PV_DICT, PV_SET,
  PV_NAME,  /* a (dotted) name: sa.Integer, op, CASCADE */
  PV_CALL,  /* callee(args...): sa.Column("id", sa.Integer(), nullable=False) */
  PV_EXPR,  /* anything else (f-string, arithmetic, comprehension...): source text only */
} PyValueKind;

typedef struct PyValue PyValue;
typedef struct PyArg {
  const char *name;  /* keyword name, or NULL for a positional argument; "*" / "**" for splats */
  PyValue *value;
} PyArg;

struct PyValue {
  PyValueKind kind;
  SrcRange range;
  const char *text;   /* PV_STR: the evaluated string (NUL-terminated; may contain NUL: see len)
                         PV_NAME/PV_CALL: dotted callee name ("sa.Column")
                         PV_EXPR, PV_INT, PV_FLOAT: source text */
  size_t len;         /* length of text */
  bool b;             /* PV_BOOL */
  long long i;        /* PV_INT (when it fits) */
  double f;           /* PV_FLOAT */
  bool bytes;         /* PV_STR read from a b"..." literal (not a str for Python) */
  PyValue **items;    /* PV_TUPLE/LIST/SET elements; PV_DICT: keys at 2k, values at 2k+1 */
  size_t nitems;
  PyArg *args;        /* PV_CALL arguments in source order */
  size_t nargs;
  bool dynamic;       /* true when this value or a part of it is PV_EXPR or a splat
                         (star-args, double-star kwargs). Names (PV_NAME) are not resolved: `t` or
                         `sa.Integer` alone do not make a value dynamic. */
};

/* One statement of upgrade()/downgrade(). Static op calls carry their arguments;
 * everything else is kept with dynamic = true and a reason, never dropped. */
typedef struct Op Op;
struct Op {
  const char *name;           /* op method: "add_column", "batch_alter_table", "execute",
                                 "autocommit_block"; NULL when the statement is not an
                                 op call (loops, helpers, assignments...) */
  const char *receiver;       /* "op", or the with-target name ("batch_op") */
  PyArg *args;
  size_t nargs;
  Op *body;                   /* statements inside `with op.batch_alter_table(...) as b:` */
  size_t nbody;
  bool dynamic;               /* also set on an op call with a computed argument, and on a
                                 with-block whose body holds a dynamic statement */
  const char *dynamic_reason; /* "for loop", "if statement", "helper call", "f-string",
                                 "get_bind() code", ... */
  const char *source;         /* source text of the statement */
  SrcRange range;
};

typedef struct OpList {
  Op *items;
  size_t len;
  bool present;   /* the function exists in the file */
  bool is_static; /* every op is static (the native engine can run it) */
  SrcRange def_range; /* the `def upgrade()` line's range */
} OpList;

typedef enum RevParseMode {
  REV_PARSE_HEADER, /* identity only: assignments and docstring (history, graph) */
  REV_PARSE_FULL,   /* plus upgrade()/downgrade() ops */
} RevParseMode;

typedef struct Revision {
  const char *path;           /* as given to revision_parse */
  const char *id;             /* NULL when missing or not a literal (a finding says where) */
  const char **down;          /* down_revision: 0, 1 or many ids, in source order */
  size_t ndown;
  const char **branch_labels;
  size_t nbranch_labels;
  const char **depends_on;
  size_t ndepends_on;
  const char *longdoc;        /* docstring, stripped (Alembic's Script.longdoc); "" if none */
  const char *message;        /* its first paragraph (Alembic's Script.doc) */
  SrcRange id_range, down_range, branch_labels_range, depends_on_range, doc_range;
  SrcRange *down_ranges;      /* one per down[] element (string literal ranges) */
  SrcRange *depends_on_ranges;
  SrcRange doc_revision_id_range; /* the value of the docstring's "Revision ID:" line: from
                                     after the colon to the end of that line; line 0 when
                                     there is none or it is not plain source text */
  SrcRange doc_revises_range;     /* likewise for its "Revises:" line */
  RevParseMode mode;
  bool syntax_ok;             /* no syntax error in what was read: the whole file in
                                 REV_PARSE_FULL, the header region in REV_PARSE_HEADER */
  OpList upgrade, downgrade;  /* REV_PARSE_FULL only */
  uint64_t upgrade_digest[2]; /* REV_PARSE_FULL: revision_upgrade_digest, computed by the
                                 parser; {0, 0} when not computed (a header parse, a
                                 Revision built by hand) */
} Revision;

/** A 128-bit digest of `upgrade` as parsed: each top-level statement's source text, and
 * what the parser made of it (op or not, dynamic or not, the shape of its arguments and
 * body). Two parses with the same digest give the same upgrade ops, whatever else differs
 * (comments and blank lines between statements, the downgrade, the header): what a cache
 * of folded schemas keys on. The parser's stored value when there is one, else computed. */
void revision_upgrade_digest(const Revision *r, uint64_t out[2]);

/** The argument at positional index `pos` (positional arguments only), else the keyword
 * argument `kw` (may be NULL), else NULL. Borrowed from `args`. */
const PyValue *pyargs_get(const PyArg *args, size_t nargs, size_t pos, const char *kw);
/** Same as pyargs_get over a PV_CALL's arguments (NULL for any other kind). */
const PyValue *pyvalue_call_arg(const PyValue *call, size_t pos, const char *kw);
/** The string of a PV_STR value that is a str (not bytes), or NULL for anything else. */
const char *pyvalue_str(const PyValue *v);
/** Same as pyargs_get over an op's arguments. */
const PyValue *op_arg(const Op *op, size_t pos, const char *kw);

typedef struct RevParser RevParser;

/** A parser (one tree-sitter parser). Not thread-safe: one per thread. Never NULL (a
 * grammar/runtime ABI mismatch is a build bug and aborts). revparser_delete(NULL) is a no-op. */
RevParser *revparser_new(void);
void revparser_delete(RevParser *p);

/**
 * Reads a revision file's source. Never fails: a file that does not parse, or whose
 * `revision` is missing or not a literal, still yields a Revision with what could be
 * read, and a finding (rule "syntax-error" / "revision-id") with the location goes to
 * `findings` (may be NULL). Everything returned is owned by `arena`; `src` is not kept.
 * `src` need not be NUL-terminated. A UTF-8 BOM is skipped (columns on line 1 do not
 * count it). REV_PARSE_HEADER parses only the bytes before the first top-level
 * `def`/`class`/decorator line, and falls back to the whole file when that region has
 * a syntax error or lacks `revision` / `down_revision`.
 * Alembic's legacy rule applies: a file without `revision` named `<hex>.py` takes the
 * hex as its id (no finding).
 * A file with a logical line of 30,000+ tokens is never given to tree-sitter (its 0.20
 * runtime crashes on such nesting): a "syntax-error" finding, the identity from a plain
 * scan, and in full mode each function as one dynamic op.
 */
Revision *revision_parse(RevParser *p, Arena *arena, const char *path, const char *src,
                         size_t len, RevParseMode mode, FindingList *findings);

typedef struct TSTree TSTree;

/**
 * revision_parse for an editor's buffer, reparsing incrementally. On entry `*tree` is
 * NULL or the tree of the previous parse of this document, already told of every edit
 * since then with ts_tree_edit (so that it matches `src`): its unchanged parts are
 * reused, and it is taken over (deleted here). On return *tree is the new tree (owned by
 * the caller: ts_tree_delete it), or NULL when the file could not be given to
 * tree-sitter (see revision_parse). REV_PARSE_HEADER always parses the whole file with
 * tree-sitter here (no quick scan), so a tree is kept for the next edit.
 */
Revision *revision_parse_incremental(RevParser *p, Arena *arena, const char *path, const char *src,
                                     size_t len, RevParseMode mode, TSTree **tree,
                                     FindingList *findings);

#endif
