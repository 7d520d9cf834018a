/* digest.h - a 128-bit content digest (xxHash64's round over four lanes, folded twice):
 * keys for caches that must tell "the same content" from "different content". */
#ifndef RETORT_BASE_DIGEST_H
#define RETORT_BASE_DIGEST_H
#include <stddef.h>
#include <stdint.h>

/* A streaming digest: feed words and strings in order, then read 128 bits. Not
 * cryptographic: an accidental collision is negligible (2^-64 for a billion keys), a
 * deliberate one is not what it guards against. Fed words go to the four lanes in turn,
 * so the order of what is fed matters. A small value type: keep it on the stack. */
typedef struct Digest {
  uint64_t lane[4];
  uint64_t words;
} Digest;

void digest_init(Digest *d);
/** One 64-bit word. */
void digest_u64(Digest *d, uint64_t v);
/** `n` bytes, preceded by their length (so that "ab","c" and "a","bc" differ). */
void digest_bytes(Digest *d, const void *p, size_t n);
/** A NUL-terminated string, or NULL (distinct from every string, "" included). */
void digest_str(Digest *d, const char *s);
/** The 128 bits of what was fed so far (`d` is not changed: more may be fed after). */
void digest_final(const Digest *d, uint64_t out[2]);

#endif
