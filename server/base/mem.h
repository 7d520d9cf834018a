/* mem.h - the one allocation policy: out of memory aborts, so callers never check NULL. */
#ifndef RETORT_BASE_MEM_H
#define RETORT_BASE_MEM_H
#include <stddef.h>

void *xmalloc(size_t n);
void *xcalloc(size_t count, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);

/* A typed growable vector: `VEC(int) v = {0}; vec_push(&v, 3); vec_free(&v);` */
#define VEC(T) struct { T *items; size_t len, cap; }
#define vec_grow(v, need)                                                       \
  do {                                                                          \
    if ((need) > (v)->cap) {                                                    \
      size_t vec__cap = (v)->cap ? (v)->cap * 2 : 8;                            \
      while (vec__cap < (need)) vec__cap *= 2;                                  \
      (v)->items = xrealloc((v)->items, vec__cap * sizeof(*(v)->items));        \
      (v)->cap = vec__cap;                                                      \
    }                                                                           \
  } while (0)
#define vec_push(v, x)                                                          \
  do {                                                                          \
    vec_grow((v), (v)->len + 1);                                                \
    (v)->items[(v)->len++] = (x);                                               \
  } while (0)
#define vec_free(v)                                                             \
  do {                                                                          \
    free((v)->items);                                                           \
    (v)->items = NULL;                                                          \
    (v)->len = (v)->cap = 0;                                                    \
  } while (0)

#endif
