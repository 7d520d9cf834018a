/* error.h - expected failures (bad params, I/O, SQL errors): a kind and a message that
 * says what failed and what was left untouched. Bugs are asserts; OOM aborts (mem.h). */
#ifndef RETORT_BASE_ERROR_H
#define RETORT_BASE_ERROR_H
#include <stdbool.h>

typedef enum ErrKind {
  ERR_NONE = 0,
  ERR_PARAMS,    /* the caller's arguments are wrong (JSON-RPC -32602, CLI exit 2) */
  ERR_NOT_FOUND, /* a project, file or revision named by the caller does not exist */
  ERR_CONFIG,    /* alembic.ini / project layout problem */
  ERR_IO,        /* reading or writing files, child processes */
  ERR_DB,        /* the database refused or vanished */
  ERR_TARGET,    /* a revision target cannot be resolved (Alembic's wording) */
  ERR_INTERNAL,
} ErrKind;

typedef struct RtError {
  ErrKind kind;
  char msg[2048];
} RtError;

/** Records an error in `e` (may be NULL) and returns false, for `return error_set(...)`. */
bool error_set(RtError *e, ErrKind kind, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/** Prepends "context: " to an existing message. Returns false. */
bool error_prefix(RtError *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
const char *error_kind_name(ErrKind kind);

#endif
