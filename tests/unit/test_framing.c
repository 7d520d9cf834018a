/* test_framing.c - frame reading over real pipes (partial reads, several frames per
 * read, oversized frames, lying headers, auto-detection) and whole-frame writes. */
#include <criterion/criterion.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "protocol/framing.h"
#include "server/base/buf.h"
#include "server/base/mem.h"

/* A writer thread feeding `len` bytes into a pipe in `chunk`-sized writes. */
typedef struct Feed {
  int fd;
  const char *data;
  size_t len, chunk;
  size_t repeat_len; /* > 0: after data, write this many 'x' bytes, then `tail` */
  const char *tail;
} Feed;

static void write_all(int fd, const char *p, size_t n) {
  while (n) {
    ssize_t w = write(fd, p, n);
    if (w <= 0) return;
    p += w;
    n -= (size_t)w;
  }
}

static void *feed_main(void *arg) {
  Feed *f = arg;
  for (size_t i = 0; i < f->len; i += f->chunk) {
    size_t n = f->len - i < f->chunk ? f->len - i : f->chunk;
    write_all(f->fd, f->data + i, n);
  }
  if (f->repeat_len) {
    static char block[1 << 20];
    memset(block, 'x', sizeof block);
    for (size_t done = 0; done < f->repeat_len;) {
      size_t n = f->repeat_len - done < sizeof block ? f->repeat_len - done : sizeof block;
      write_all(f->fd, block, n);
      done += n;
    }
    write_all(f->fd, f->tail, strlen(f->tail));
  }
  close(f->fd);
  return NULL;
}

static pthread_t feeder;
static Feed feed;

/* Returns the read end of a pipe that receives `data` in `chunk`-byte writes. */
static int feed_start(const char *data, size_t len, size_t chunk) {
  int p[2];
  cr_assert_eq(pipe(p), 0);
  feed = (Feed){p[1], data, len, chunk ? chunk : len ? len : 1, 0, NULL};
  pthread_create(&feeder, NULL, feed_main, &feed);
  return p[0];
}

static void feed_end(int fd) {
  pthread_join(feeder, NULL);
  close(fd);
}

static FrameStatus next(FrameReader *r, const char **d, size_t *n, RtError *err) {
  memset(err, 0, sizeof *err);
  return frame_reader_next(r, d, n, err);
}

static void expect_frame(FrameReader *r, const char *want) {
  const char *d;
  size_t n;
  RtError err;
  FrameStatus st = next(r, &d, &n, &err);
  cr_assert_eq(st, FRAME_OK, "status %d (%s), wanted frame %s", st, err.msg, want);
  cr_assert_eq(n, strlen(want), "got %zu bytes '%.*s', wanted '%s'", n, (int)n, d, want);
  cr_assert_eq(memcmp(d, want, n), 0, "got '%.*s', wanted '%s'", (int)n, d, want);
  cr_assert_eq(d[n], '\0');
}

static void expect_status(FrameReader *r, FrameStatus want, const char *msg_part) {
  const char *d;
  size_t n;
  RtError err;
  FrameStatus st = next(r, &d, &n, &err);
  cr_assert_eq(st, want, "status %d (%s), wanted %d", st, err.msg, want);
  if (msg_part) cr_assert(strstr(err.msg, msg_part), "'%s' not in '%s'", msg_part, err.msg);
}

static void run_ndjson(size_t chunk) {
  static const char in[] = "{\"a\":1}\n\n  \r\n{\"b\":2}\r\n[3]\n{\"last\":true}";
  int fd = feed_start(in, sizeof in - 1, chunk);
  FrameReader *r = frame_reader_new(fd, FRAMING_NDJSON, 0);
  expect_frame(r, "{\"a\":1}");
  expect_frame(r, "{\"b\":2}");
  expect_frame(r, "[3]");
  expect_frame(r, "{\"last\":true}");
  expect_status(r, FRAME_EOF, NULL);
  expect_status(r, FRAME_EOF, NULL);
  frame_reader_delete(r);
  feed_end(fd);
}

Test(framing, ndjson_all_at_once) { run_ndjson(0); }
Test(framing, ndjson_byte_by_byte) { run_ndjson(1); }
Test(framing, ndjson_odd_chunks) { run_ndjson(5); }

Test(framing, ndjson_oversized_line_is_skipped) {
  Buf in = BUF_INIT;
  buf_puts(&in, "{\"ok\":1}\n");
  for (int i = 0; i < 300; i++) buf_putc(&in, 'z');
  buf_puts(&in, "\n{\"ok\":2}\n");
  for (int i = 0; i < 101; i++) buf_putc(&in, 'y'); // over the cap at EOF, no newline
  int fd = feed_start(in.data, in.len, 7);
  FrameReader *r = frame_reader_new(fd, FRAMING_NDJSON, 100);
  expect_frame(r, "{\"ok\":1}");
  expect_status(r, FRAME_TOO_BIG, "100-byte limit");
  expect_frame(r, "{\"ok\":2}");
  expect_status(r, FRAME_TOO_BIG, NULL);
  expect_status(r, FRAME_EOF, NULL);
  frame_reader_delete(r);
  feed_end(fd);
  buf_free(&in);
}

/* A 100 MB line with the default 16 MiB cap: answered with TOO_BIG early, skipped
 * without being buffered, and the next message still arrives. */
Test(framing, ndjson_100mb_line) {
  int p[2];
  cr_assert_eq(pipe(p), 0);
  feed = (Feed){p[1], "{\"first\":1}\n", 12, 4096, (size_t)100 * 1000 * 1000, "\n{\"after\":2}\n"};
  pthread_create(&feeder, NULL, feed_main, &feed);
  FrameReader *r = frame_reader_new(p[0], FRAMING_NDJSON, 0);
  expect_frame(r, "{\"first\":1}");
  expect_status(r, FRAME_TOO_BIG, "16777216-byte limit");
  expect_frame(r, "{\"after\":2}");
  expect_status(r, FRAME_EOF, NULL);
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  cr_assert_lt(ru.ru_maxrss, 80 * 1024, "peak RSS %ld KiB: the line was buffered", ru.ru_maxrss);
  frame_reader_delete(r);
  feed_end(p[0]);
}

static void run_lsp(size_t chunk) {
  static const char in[] = "Content-Length: 7\r\n\r\n{\"a\":1}"
                           "content-type: application/vscode-jsonrpc; charset=utf-8\r\n"
                           "CONTENT-LENGTH:9\r\n\r\n{\"bb\":22}"
                           "\r\nContent-Length: 2\r\n\r\n[]";
  int fd = feed_start(in, sizeof in - 1, chunk);
  FrameReader *r = frame_reader_new(fd, FRAMING_LSP, 0);
  expect_frame(r, "{\"a\":1}");
  expect_frame(r, "{\"bb\":22}");
  expect_frame(r, "[]");
  expect_status(r, FRAME_EOF, NULL);
  frame_reader_delete(r);
  feed_end(fd);
}

Test(framing, lsp_all_at_once) { run_lsp(0); }
Test(framing, lsp_byte_by_byte) { run_lsp(1); }
Test(framing, lsp_odd_chunks) { run_lsp(3); }

Test(framing, lsp_bad_headers_recover) {
  static const char in[] = "Content-Length: -5\r\n\r\n"
                           "Content-Length: 2\r\n\r\n{}"
                           "Content-Type: x\r\n\r\n"
                           "Content-Length: 2\r\n\r\n[]"
                           "Content-Length: 12abc\r\n\r\n"
                           "Content-Length: 99999999999999999999999\r\n\r\n"
                           "Content-Length: 1\r\nContent-Length: 2\r\n\r\n"
                           "Content-Length: 4\r\n\r\nnull";
  int fd = feed_start(in, sizeof in - 1, 0);
  FrameReader *r = frame_reader_new(fd, FRAMING_LSP, 0);
  expect_status(r, FRAME_BAD_HEADER, "invalid Content-Length: -5");
  expect_frame(r, "{}");
  expect_status(r, FRAME_BAD_HEADER, "without Content-Length");
  expect_frame(r, "[]");
  expect_status(r, FRAME_BAD_HEADER, "invalid Content-Length");
  expect_status(r, FRAME_BAD_HEADER, "invalid Content-Length");
  expect_status(r, FRAME_BAD_HEADER, "conflicting");
  expect_frame(r, "null");
  expect_status(r, FRAME_EOF, NULL);
  frame_reader_delete(r);
  feed_end(fd);
}

Test(framing, lsp_content_length_too_short) {
  // the first frame says 5 but carries 9 bytes: the rest is out of step
  static const char in[] = "Content-Length: 5\r\n\r\n{\"a\":1}xyContent-Length: 2\r\n\r\n{}";
  int fd = feed_start(in, sizeof in - 1, 1);
  FrameReader *r = frame_reader_new(fd, FRAMING_LSP, 0);
  expect_frame(r, "{\"a\":");
  expect_status(r, FRAME_BAD_HEADER, "out of step");
  expect_frame(r, "{}");
  expect_status(r, FRAME_EOF, NULL);
  frame_reader_delete(r);
  feed_end(fd);
}

Test(framing, lsp_content_length_too_long) {
  static const char in[] = "Content-Length: 50\r\n\r\n{\"a\":1}";
  int fd = feed_start(in, sizeof in - 1, 0);
  FrameReader *r = frame_reader_new(fd, FRAMING_LSP, 0);
  expect_status(r, FRAME_BAD_HEADER, "input ended inside a message (Content-Length 50, 7 bytes");
  expect_status(r, FRAME_EOF, NULL);
  frame_reader_delete(r);
  feed_end(fd);
}

Test(framing, lsp_garbage_and_oversized) {
  Buf in = BUF_INIT;
  buf_puts(&in, "hello there\r\n\r\nContent-Length: 2\r\n\r\n{}");
  buf_printf(&in, "Content-Length: %d\r\n\r\n", 5000);
  for (int i = 0; i < 5000; i++) buf_putc(&in, 'q');
  buf_puts(&in, "Content-Length: 2\r\n\r\n[]");
  for (int i = 0; i < 9000; i++) buf_putc(&in, 'g'); // a header block that never ends
  buf_puts(&in, "Content-Length: 4\r\n\r\ntrue");
  buf_puts(&in, "Content-Len"); // EOF inside a header
  int fd = feed_start(in.data, in.len, 1000);
  FrameReader *r = frame_reader_new(fd, FRAMING_LSP, 1000);
  expect_status(r, FRAME_BAD_HEADER, "malformed LSP header line: hello there");
  expect_frame(r, "{}");
  expect_status(r, FRAME_TOO_BIG, "5000 bytes");
  expect_frame(r, "[]");
  // reported once, whichever way the reads split the garbage
  expect_status(r, FRAME_BAD_HEADER, NULL);
  expect_frame(r, "true");
  expect_status(r, FRAME_BAD_HEADER, "input ended inside an LSP header");
  expect_status(r, FRAME_EOF, NULL);
  frame_reader_delete(r);
  feed_end(fd);
  buf_free(&in);
}

Test(framing, detect) {
  cr_assert_eq(framing_detect("", 0), FRAMING_AUTO);
  cr_assert_eq(framing_detect(" \n ", 3), FRAMING_AUTO);
  cr_assert_eq(framing_detect("{", 1), FRAMING_NDJSON);
  cr_assert_eq(framing_detect("\n[", 2), FRAMING_NDJSON);
  cr_assert_eq(framing_detect("Cont", 4), FRAMING_AUTO);
  cr_assert_eq(framing_detect("Content-Length: 3", 17), FRAMING_LSP);
  cr_assert_eq(framing_detect("content-type: x", 15), FRAMING_LSP);
  cr_assert_eq(framing_detect("Cx", 2), FRAMING_NDJSON);
  cr_assert_eq(framing_detect("garbage", 7), FRAMING_NDJSON);
}

Test(framing, auto_mode) {
  static const char lsp[] = "\r\nContent-Length: 2\r\n\r\n{}";
  int fd = feed_start(lsp, sizeof lsp - 1, 1);
  FrameReader *r = frame_reader_new(fd, FRAMING_AUTO, 0);
  cr_assert_eq(frame_reader_mode(r), FRAMING_AUTO);
  expect_frame(r, "{}");
  cr_assert_eq(frame_reader_mode(r), FRAMING_LSP);
  expect_status(r, FRAME_EOF, NULL);
  frame_reader_delete(r);
  feed_end(fd);

  static const char nd[] = "\n  {\"x\":1}";
  fd = feed_start(nd, sizeof nd - 1, 1);
  r = frame_reader_new(fd, FRAMING_AUTO, 0);
  expect_frame(r, "  {\"x\":1}");
  cr_assert_eq(frame_reader_mode(r), FRAMING_NDJSON);
  frame_reader_delete(r);
  feed_end(fd);

  fd = feed_start("", 0, 1);
  r = frame_reader_new(fd, FRAMING_AUTO, 0);
  expect_status(r, FRAME_EOF, NULL);
  frame_reader_delete(r);
  feed_end(fd);
}

static void frame_in(Buf *in) {
  buf_puts(in, "Content-Length: 1\r\n\r\n1");
  for (int i = 0; i < 20000; i++) buf_putc(in, (char)('a' + i % 26)); // no blank line
  buf_puts(in, "\nContent-Length: 3\r\n\r\n[2]Content-Length: 1\r\n\r\n3");
}

/* ---- writing ---- */

typedef struct Drain {
  int fd;
  Buf got;
} Drain;

static void *drain_main(void *arg) {
  Drain *d = arg;
  char tmp[777]; // small, odd reads so the writer sees partial writes
  for (;;) {
    ssize_t n = read(d->fd, tmp, sizeof tmp);
    if (n <= 0) break;
    buf_append(&d->got, tmp, (size_t)n);
  }
  return NULL;
}

Test(framing, write_whole_frames) {
  int p[2];
  cr_assert_eq(pipe(p), 0);
  Drain d = {p[0], BUF_INIT};
  pthread_t t;
  pthread_create(&t, NULL, drain_main, &d);
  size_t big = 3 * 1024 * 1024; // far over the pipe's buffer: partial writes happen
  char *body = xmalloc(big);
  memset(body, 'a', big);
  RtError err = {0};
  cr_assert(frame_write(p[1], FRAMING_NDJSON, "{\"a\":1}", 7, &err), "%s", err.msg);
  cr_assert(frame_write(p[1], FRAMING_LSP, "{}", 2, &err), "%s", err.msg);
  cr_assert(frame_write(p[1], FRAMING_NDJSON, body, big, &err), "%s", err.msg);
  close(p[1]);
  pthread_join(t, NULL);
  close(p[0]);
  const char *want = "{\"a\":1}\nContent-Length: 2\r\n\r\n{}";
  size_t wl = strlen(want);
  cr_assert_eq(d.got.len, wl + big + 1);
  cr_assert_eq(memcmp(d.got.data, want, wl), 0);
  cr_assert_eq(memcmp(d.got.data + wl, body, big), 0);
  cr_assert_eq(d.got.data[wl + big], '\n');
  free(body);
  buf_free(&d.got);
}

Test(framing, write_to_closed_pipe_fails_cleanly) {
  signal(SIGPIPE, SIG_IGN);
  int p[2];
  cr_assert_eq(pipe(p), 0);
  close(p[0]);
  RtError err = {0};
  cr_assert_not(frame_write(p[1], FRAMING_NDJSON, "{}", 2, &err));
  cr_assert_eq(err.kind, ERR_IO);
  cr_assert(strstr(err.msg, "Broken pipe"), "%s", err.msg);
  close(p[1]);
}

/* Garbage longer than a header block, with no blank line in it, read in every chunk
 * size from 1 byte up: reported exactly once, and the next real frame is found. */
Test(framing, lsp_long_garbage_any_chunking) {
  Buf in = BUF_INIT;
  frame_in(&in);
  for (size_t chunk = 1; chunk <= 20000; chunk = chunk * 3 + 1) {
    int fd = feed_start(in.data, in.len, chunk);
    FrameReader *r = frame_reader_new(fd, FRAMING_LSP, 0);
    expect_frame(r, "1");
    expect_status(r, FRAME_BAD_HEADER, "LSP header block"); // "no ... block" or "block longer than"
    expect_frame(r, "[2]");
    expect_frame(r, "3");
    expect_status(r, FRAME_EOF, NULL);
    frame_reader_delete(r);
    feed_end(fd);
  }
  buf_free(&in);
}

/* Many frames of random sizes around the 64 KiB read size, in both framings and with
 * several write sizes: every frame comes out whole (compaction and the NUL stash). */
Test(framing, random_sizes_survive_any_chunking) {
  uint64_t seed = 42;
  for (int mode = 0; mode < 2; mode++) {
    Buf in = BUF_INIT;
    size_t lens[120];
    for (int i = 0; i < 120; i++) {
      seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
      size_t body = (size_t)(seed >> 33) % 140000;
      lens[i] = body + 2;
      if (mode) buf_printf(&in, "Content-Length: %zu\r\n\r\n", lens[i]);
      buf_putc(&in, '"');
      for (size_t k = 0; k < body; k++) buf_putc(&in, (char)('a' + (i + k) % 26));
      buf_putc(&in, '"');
      if (!mode) buf_putc(&in, '\n');
    }
    size_t chunks[] = {4093, 65536, 65537, 300000};
    for (size_t c = 0; c < sizeof chunks / sizeof chunks[0]; c++) {
      int fd = feed_start(in.data, in.len, chunks[c]);
      FrameReader *r = frame_reader_new(fd, mode ? FRAMING_LSP : FRAMING_NDJSON, 0);
      for (int i = 0; i < 120; i++) {
        const char *d;
        size_t n;
        RtError err;
        cr_assert_eq(next(r, &d, &n, &err), FRAME_OK, "frame %d: %s", i, err.msg);
        cr_assert_eq(n, lens[i], "frame %d: %zu bytes, wanted %zu", i, n, lens[i]);
        cr_assert(d[0] == '"' && d[n - 1] == '"' && d[n] == '\0');
        for (size_t k = 1; k + 1 < n; k++)
          if (d[k] != (char)('a' + (i + k - 1) % 26)) cr_assert_fail("frame %d byte %zu is wrong", i, k);
      }
      expect_status(r, FRAME_EOF, NULL);
      frame_reader_delete(r);
      feed_end(fd);
    }
    buf_free(&in);
  }
}
