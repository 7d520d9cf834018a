/* embed.h - data files compiled into the binary (queries, tool schemas, docs). */
#ifndef RETORT_BASE_EMBED_H
#define RETORT_BASE_EMBED_H
#include <stddef.h>

typedef struct EmbeddedFile {
  const char *name; /* base name, e.g. "history.json"; NULL ends a table */
  const char *data; /* contents; NUL-terminated as well */
  size_t len;
} EmbeddedFile;

/** Finds `name` in a NULL-terminated table, or returns NULL. */
const EmbeddedFile *embed_find(const EmbeddedFile *table, const char *name);

#endif
