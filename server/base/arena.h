/* arena.h - bump allocation for one request or one parsed file, freed in one call. */
#ifndef RETORT_BASE_ARENA_H
#define RETORT_BASE_ARENA_H
#include <stdarg.h>
#include <stddef.h>

typedef struct Arena Arena;

Arena *arena_new(void);
/** Frees every allocation made from `a`. arena_delete(NULL) is a no-op. */
void arena_delete(Arena *a);
/** Forgets every allocation; keeps up to 64 standard blocks for reuse (per-request reset). */
void arena_reset(Arena *a);
/** Zeroed memory aligned for any type, owned by the arena. */
void *arena_alloc(Arena *a, size_t n);
char *arena_strndup(Arena *a, const char *s, size_t n);
char *arena_strdup(Arena *a, const char *s);
char *arena_printf(Arena *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
char *arena_vprintf(Arena *a, const char *fmt, va_list ap);
/** Bytes currently held by the arena (blocks, not just what was handed out). */
size_t arena_footprint(const Arena *a);

#define ARENA_NEW(a, T) ((T *)arena_alloc((a), sizeof(T)))
#define ARENA_ARRAY(a, T, n) ((T *)arena_alloc((a), sizeof(T) * (n)))

#endif
