/* digest.c - the 128-bit content digest of digest.h. */
#include "server/base/digest.h"

#include <string.h>

static const uint64_t DIGEST_P1 = 0x9E3779B185EBCA87ull, DIGEST_P2 = 0xC2B2AE3D27D4EB4Full,
                      DIGEST_P3 = 0x165667B19E3779F9ull, DIGEST_P4 = 0x85EBCA77C2B2AE63ull;

static inline uint64_t digest__rotl(uint64_t x, int r) { return (x << r) | (x >> (64 - r)); }

void digest_init(Digest *d) {
  d->lane[0] = DIGEST_P1 + DIGEST_P2;
  d->lane[1] = DIGEST_P2;
  d->lane[2] = 0;
  d->lane[3] = 0 - DIGEST_P1;
  d->words = 0;
}

void digest_u64(Digest *d, uint64_t v) {
  uint64_t *acc = &d->lane[d->words++ & 3];
  *acc = digest__rotl(*acc + v * DIGEST_P2, 31) * DIGEST_P1;
}

static uint64_t digest__avalanche(uint64_t h) {
  h ^= h >> 33;
  h *= DIGEST_P2;
  h ^= h >> 29;
  h *= DIGEST_P3;
  return h ^ (h >> 32);
}

void digest_final(const Digest *d, uint64_t out[2]) {
  const uint64_t *l = d->lane;
  uint64_t h = digest__rotl(l[0], 1) + digest__rotl(l[1], 7) + digest__rotl(l[2], 12) +
               digest__rotl(l[3], 18);
  for (int k = 0; k < 4; k++)
    h = (h ^ digest__rotl(l[k] * DIGEST_P2, 31) * DIGEST_P1) * DIGEST_P1 + DIGEST_P4;
  out[0] = digest__avalanche(h ^ d->words);
  uint64_t g = d->words * DIGEST_P3;
  for (int k = 3; k >= 0; k--)
    g = digest__rotl(g ^ (l[k] * DIGEST_P4), 27) * DIGEST_P2 + DIGEST_P3;
  out[1] = digest__avalanche(g);
}

void digest_bytes(Digest *d, const void *p, size_t n) {
  const unsigned char *s = p;
  digest_u64(d, n);
  if (n >= 32) { // four independent lanes, kept in registers (xxHash64's stripes)
    uint64_t l0 = d->lane[0], l1 = d->lane[1], l2 = d->lane[2], l3 = d->lane[3];
    for (; n >= 32; n -= 32, s += 32) {
      uint64_t w[4];
      memcpy(w, s, 32);
      l0 = digest__rotl(l0 + w[0] * DIGEST_P2, 31) * DIGEST_P1;
      l1 = digest__rotl(l1 + w[1] * DIGEST_P2, 31) * DIGEST_P1;
      l2 = digest__rotl(l2 + w[2] * DIGEST_P2, 31) * DIGEST_P1;
      l3 = digest__rotl(l3 + w[3] * DIGEST_P2, 31) * DIGEST_P1;
    }
    d->lane[0] = l0, d->lane[1] = l1, d->lane[2] = l2, d->lane[3] = l3;
  }
  for (; n >= 8; n -= 8, s += 8) {
    uint64_t w;
    memcpy(&w, s, 8);
    digest_u64(d, w);
  }
  if (n) {
    uint64_t w = 0;
    memcpy(&w, s, n);
    digest_u64(d, w);
  }
}

void digest_str(Digest *d, const char *s) {
  if (!s) {
    digest_u64(d, 0x6e756c6c00000001ull); // distinct from any length word
    return;
  }
  digest_bytes(d, s, strlen(s));
}
