/* serve_harness.h - rpc_serve end to end over a pipe pair, in-process: one thread writes
 * the input (in pieces, with pauses between them, as a client typing would), one reads
 * everything the server writes. Shared by the protocol suites. */
#ifndef RETORT_TESTS_SERVE_HARNESS_H
#define RETORT_TESTS_SERVE_HARNESS_H
#include <criterion/criterion.h>
#include <pthread.h>
#include <string.h>
#include <unistd.h>

#include "protocol/server.h"
#include "server/base/buf.h"

typedef struct HarnessPump {
  int fd;
  const char *const *pieces; /* writer: NULL-terminated; lens[i] bytes of pieces[i] */
  const size_t *lens;
  int pause_ms;              /* writer: pause between pieces */
  Buf got;                   /* reader: everything read */
} HarnessPump;

static void *harness__writer(void *arg) {
  HarnessPump *p = arg;
  for (size_t i = 0; p->pieces[i]; i++) {
    if (i && p->pause_ms) usleep((useconds_t)p->pause_ms * 1000);
    for (size_t off = 0; off < p->lens[i];) {
      ssize_t n = write(p->fd, p->pieces[i] + off, p->lens[i] - off);
      if (n <= 0) break;
      off += (size_t)n;
    }
  }
  close(p->fd);
  return NULL;
}

static void *harness__reader(void *arg) {
  HarnessPump *p = arg;
  char tmp[4096];
  for (;;) {
    ssize_t n = read(p->fd, tmp, sizeof tmp);
    if (n <= 0) break;
    buf_append(&p->got, tmp, (size_t)n);
  }
  close(p->fd);
  return NULL;
}

/* Serves the NULL-terminated `pieces` (lens[i] bytes each; lens NULL: strlen) written
 * `pause_ms` apart, and returns everything written to the output (caller frees). */
static inline char *harness_serve_pieces(const ServeOptions *opt, const char *const *pieces,
                                         const size_t *lens, int pause_ms, int *exit_code) {
  size_t n = 0;
  while (pieces[n]) n++;
  size_t *own = NULL;
  if (!lens) {
    own = calloc(n + 1, sizeof *own);
    for (size_t i = 0; i < n; i++) own[i] = strlen(pieces[i]);
    lens = own;
  }
  int in[2], out[2];
  cr_assert_eq(pipe(in), 0);
  cr_assert_eq(pipe(out), 0);
  HarnessPump w = {in[1], pieces, lens, pause_ms, BUF_INIT};
  HarnessPump r = {out[0], NULL, NULL, 0, BUF_INIT};
  pthread_t tw, tr;
  pthread_create(&tw, NULL, harness__writer, &w);
  pthread_create(&tr, NULL, harness__reader, &r);
  int code = rpc_serve(in[0], out[1], opt);
  if (exit_code) *exit_code = code;
  close(in[0]);
  close(out[1]);
  pthread_join(tw, NULL);
  pthread_join(tr, NULL);
  free(own);
  return buf_detach(&r.got);
}

/* Serves `len` bytes of `input` at once. */
static inline char *harness_serve(const ServeOptions *opt, const char *input, size_t len,
                                  int *exit_code) {
  const char *pieces[] = {input, NULL};
  size_t lens[] = {len, 0};
  return harness_serve_pieces(opt, pieces, lens, 0, exit_code);
}

#endif
