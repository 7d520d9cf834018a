/* arena.c - a chain of blocks; large requests get a block of their own. */
#include "server/base/arena.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/base/mem.h"

static const size_t ARENA_BLOCK = 64 * 1024;
// A reset keeps up to this many standard blocks for reuse, so a steady stream of
// requests neither calls malloc nor faults in fresh pages; the rest go back to libc.
static const size_t ARENA_KEEP_BLOCKS = 64;

typedef struct Block {
  struct Block *next;
  size_t size, used;
  max_align_t data[];
} Block;

struct Arena {
  Block *head;
  Block *spare; /* standard blocks kept by arena_reset, reused before malloc */
  size_t nspare;
};

Arena *arena_new(void) { return xcalloc(1, sizeof(Arena)); }

void arena_delete(Arena *a) {
  if (!a) return;
  Block *lists[2] = {a->head, a->spare};
  for (int i = 0; i < 2; i++) {
    Block *b = lists[i];
    while (b) {
      Block *next = b->next;
      free(b);
      b = next;
    }
  }
  free(a);
}

void arena_reset(Arena *a) {
  Block *b = a->head;
  while (b) {
    Block *next = b->next;
    if (b->size == ARENA_BLOCK && a->nspare < ARENA_KEEP_BLOCKS) {
      b->used = 0;
      b->next = a->spare;
      a->spare = b;
      a->nspare++;
    } else {
      free(b);
    }
    b = next;
  }
  a->head = NULL;
}

/* n bytes, aligned, not zeroed: for callers that write all of them at once. */
static void *arena__bump(Arena *a, size_t n) {
  const size_t align = sizeof(max_align_t);
  n = (n + align - 1) & ~(align - 1);
  if (n == 0) n = align;
  Block *b = a->head;
  if (!b || b->size - b->used < n) {
    size_t size = n > ARENA_BLOCK / 4 ? n : ARENA_BLOCK;
    Block *nb;
    if (size == ARENA_BLOCK && a->spare) {
      nb = a->spare;
      a->spare = nb->next;
      a->nspare--;
    } else {
      nb = xmalloc(sizeof(Block) + size);
    }
    nb->size = size;
    nb->used = 0;
    if (size != ARENA_BLOCK && b) {
      // A big one-off block goes behind the current one so the current keeps filling.
      nb->next = b->next;
      b->next = nb;
    } else {
      nb->next = b;
      a->head = nb;
    }
    b = nb;
  }
  void *p = (char *)b->data + b->used;
  b->used += n;
  return p;
}

void *arena_alloc(Arena *a, size_t n) {
  void *p = arena__bump(a, n);
  memset(p, 0, n);
  return p;
}

char *arena_strndup(Arena *a, const char *s, size_t n) {
  char *p = arena__bump(a, n + 1); // every byte is written below
  memcpy(p, s, n);
  p[n] = '\0';
  return p;
}

char *arena_strdup(Arena *a, const char *s) { return arena_strndup(a, s, strlen(s)); }

char *arena_vprintf(Arena *a, const char *fmt, va_list ap) {
  va_list ap2;
  va_copy(ap2, ap);
  int n = vsnprintf(NULL, 0, fmt, ap2);
  va_end(ap2);
  if (n < 0) n = 0;
  char *p = arena__bump(a, (size_t)n + 1); // vsnprintf writes all n + 1 bytes
  vsnprintf(p, (size_t)n + 1, fmt, ap);
  return p;
}

char *arena_printf(Arena *a, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  char *p = arena_vprintf(a, fmt, ap);
  va_end(ap);
  return p;
}

size_t arena_footprint(const Arena *a) {
  size_t total = 0;
  for (const Block *b = a->head; b; b = b->next) total += b->size;
  for (const Block *b = a->spare; b; b = b->next) total += b->size;
  return total;
}
