/* newrev.h - what a new revision file is called and where it goes: its id (Alembic's 12
 * hex characters, or the project's own convention), its file name (file_template, slug),
 * and the one write into a versions directory, which never overwrites and never leaves it. */
#ifndef RETORT_ALEMBIC_NEWREV_H
#define RETORT_ALEMBIC_NEWREV_H
#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "server/alembic/revision.h"
#include "server/base/error.h"

typedef enum RevIdKind {
  REVID_HEX,           /* Alembic's uuid4().hex[-12:] */
  REVID_SEQUENCE,      /* prefix + zero-padded counter: 0001, 0002 / rev_017 */
  REVID_DATETIME,      /* YYYYMMDD[sep]HHMMSS from the creation time */
  REVID_DATE_SEQUENCE, /* YYYYMMDD[sep]NNNN: the date and a counter */
} RevIdKind;

typedef struct RevIdStyle {
  RevIdKind kind;
  char prefix[32];     /* REVID_SEQUENCE: text before the digits ("", "rev_") */
  int width;           /* digits of the counter (sequence, date_sequence) */
  char sep[4];         /* between date and time / counter: "", "_" or "-" */
  bool per_day;        /* REVID_DATE_SEQUENCE: the counter restarts each day */
  const char *why;     /* for people: "12 hex characters (Alembic's default)",
                          "like 0041 (the project's existing ids)", ... static storage */
} RevIdStyle;

/** "hex", "sequence", "datetime", "date_sequence". Static storage. */
const char *revid_kind_name(RevIdKind k);

/**
 * The id convention to follow. `setting` is `[retort] revision_id` (NULL or "auto": detect;
 * "hex", "sequence", "datetime", "date_sequence" force one; anything else → ERR_CONFIG).
 * Detection: the convention every id of the project follows (at least two ids), else the one
 * its heads follow together with at least one other id; else REVID_HEX.
 */
bool revid_style(Revision *const *revs, size_t n, const char *setting, RevIdStyle *out,
                 RtError *err);

/**
 * A new id in `style` that no revision of `revs` has: random hex, the next counter after
 * the largest existing one, or the date/time of `now` (local time). Caller frees.
 */
char *revid_make(const RevIdStyle *style, Revision *const *revs, size_t n, time_t now);

/**
 * Whether `id` can be a revision id retort writes: 1 to 64 characters of [A-Za-z0-9_],
 * so that it is safe in a file name and valid for Alembic (which rejects '-', '@', '+').
 * On false, err (may be NULL) says why (ERR_PARAMS).
 */
bool revid_valid(const char *id, RtError *err);

/** Alembic's slug of a message: the \w+ runs joined by '_', lower-cased, truncated at
 * `truncate` characters back to the last '_' (plus a trailing '_'). Caller frees. */
char *revfile_slug(const char *message, int truncate);

/* The values of file_template's %(name)s tokens. */
typedef struct RevFileVars {
  const char *rev, *slug;
  time_t epoch;
  struct tm tm;        /* the creation time, local */
} RevFileVars;

/**
 * file_template formatted as Python's `%` operator does with Alembic's mapping (rev, slug,
 * epoch, year, month, day, hour, minute, second; conversions s, d, i with flags, width and
 * precision; %% for '%'), plus ".py". Fails (ERR_CONFIG) on an unknown key or conversion,
 * and on a result that would not stay inside the versions directory: empty, absolute,
 * with a "." or ".." component, a control character, or a '/' when `allow_subdirs` is false.
 * Caller frees *out.
 */
bool revfile_name(const char *file_template, const RevFileVars *v, bool allow_subdirs, char **out,
                  RtError *err);

/**
 * Writes `content` as the new file `name` (from revfile_name) inside the versions directory
 * `dir`, and nowhere else: the directory must resolve (symlinks followed) to a place inside
 * `root` unless it is not a symlink at all; it is created when missing (its parent must
 * exist); subdirectories of `name` are created inside it without following symlinks; the
 * file is created exclusively (an existing file is never overwritten: ERR_IO "... already
 * exists") and not through a symlink. On failure nothing is left behind. *path_out (may be
 * NULL) gets the absolute path written (caller frees).
 */
bool revfile_write(const char *root, const char *dir, const char *name, const char *content,
                   size_t len, char **path_out, RtError *err);

#endif
