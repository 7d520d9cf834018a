/* framing.c - reading frames from an fd with read(2) (NDJSON lines or Content-Length
 * headers, bounded memory) and writing whole frames with writev(2). */
#include "protocol/framing.h"

#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/uio.h>
#include <unistd.h>

#include "server/base/mem.h"

static const size_t FRAME_READ_CHUNK = 64 * 1024;
// An LSP header block is a few dozen bytes; anything longer is not a header.
static const size_t FRAME_HEADER_MAX = 8 * 1024;

struct FrameReader {
  int fd;
  FramingMode mode;
  size_t max;
  char *buf;          // unconsumed input is buf[start..len); buf[len] is kept NUL
  size_t start, len, cap;
  size_t scanned;     // NDJSON: bytes after start already known to hold no '\n'
  size_t skip;        // LSP: body bytes still to discard after an oversized frame
  bool skip_line;     // NDJSON: discarding the rest of an oversized line
  bool eof;
  bool resyncing;     // LSP: skipping garbage already reported, until the next good frame
  bool stashed;       // LSP: buf[stash_at] was overwritten by the NUL ending the last frame
  char stash;
  size_t stash_at;
  char *ahead;        // look-ahead: bytes read during a call (frame_reader_lookahead),
  size_t ahead_len, ahead_cap; // consumed by frame__fill before read(2) is called again
  bool ahead_eof;
};

FrameReader *frame_reader_new(int fd, FramingMode mode, size_t max_frame) {
  FrameReader *r = xcalloc(1, sizeof *r);
  r->fd = fd;
  r->mode = mode;
  r->max = max_frame ? max_frame : FRAME_MAX_DEFAULT;
  // Never NULL, so that pointer arithmetic on an empty buffer is defined.
  r->cap = FRAME_READ_CHUNK + 1;
  r->buf = xmalloc(r->cap);
  r->buf[0] = '\0';
  return r;
}

void frame_reader_delete(FrameReader *r) {
  if (!r) return;
  free(r->buf);
  free(r->ahead);
  free(r);
}

FramingMode frame_reader_mode(const FrameReader *r) { return r->mode; }

static bool frame__is_ws(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

FramingMode framing_detect(const char *data, size_t len) {
  static const char lsp[] = "content-"; // Content-Length or Content-Type may come first
  size_t i = 0;
  while (i < len && frame__is_ws(data[i])) i++;
  if (i == len) return FRAMING_AUTO;
  size_t n = len - i < sizeof lsp - 1 ? len - i : sizeof lsp - 1;
  if (strncasecmp(data + i, lsp, n) != 0) return FRAMING_NDJSON;
  return n == sizeof lsp - 1 ? FRAMING_LSP : FRAMING_AUTO;
}

/* Reads more input into the buffer. Returns 1 when bytes arrived, 0 on EOF, -1 on error. */
static int frame__fill(FrameReader *r, RtError *err) {
  if (r->eof) return 0;
  if (r->start > 0 && (r->start == r->len || r->cap - r->len < FRAME_READ_CHUNK + 1)) {
    // compact: slide the unconsumed bytes to the front
    memmove(r->buf, r->buf + r->start, r->len - r->start);
    r->len -= r->start;
    r->start = 0;
  }
  if (r->cap - r->len < FRAME_READ_CHUNK + 1) {
    size_t cap = r->cap ? r->cap : FRAME_READ_CHUNK + 1;
    while (cap - r->len < FRAME_READ_CHUNK + 1) cap *= 2;
    r->buf = xrealloc(r->buf, cap);
    r->cap = cap;
  }
  if (r->ahead_len) {
    // looked-ahead bytes first, at most a chunk at a time (the room made above)
    size_t n = r->ahead_len < FRAME_READ_CHUNK ? r->ahead_len : FRAME_READ_CHUNK;
    memcpy(r->buf + r->len, r->ahead, n);
    memmove(r->ahead, r->ahead + n, r->ahead_len - n);
    r->ahead_len -= n;
    r->len += n;
    r->buf[r->len] = '\0';
    return 1;
  }
  if (r->ahead_eof) {
    r->eof = true;
    return 0;
  }
  for (;;) {
    ssize_t n = read(r->fd, r->buf + r->len, FRAME_READ_CHUNK);
    if (n > 0) {
      r->len += (size_t)n;
      r->buf[r->len] = '\0';
      return 1;
    }
    if (n == 0) {
      r->eof = true;
      return 0;
    }
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
      struct pollfd p = {.fd = r->fd, .events = POLLIN};
      (void)poll(&p, 1, -1);
      continue;
    }
    error_set(err, ERR_IO, "reading input failed: %s", strerror(errno));
    return -1;
  }
}

static FrameStatus frame__next_ndjson(FrameReader *r, const char **data, size_t *len, RtError *err) {
  for (;;) {
    char *base = r->buf + r->start;
    size_t avail = r->len - r->start;
    char *nl = avail > r->scanned ? memchr(base + r->scanned, '\n', avail - r->scanned) : NULL;
    if (r->skip_line) {
      if (nl) {
        r->start += (size_t)(nl - base) + 1;
        r->skip_line = false;
      } else {
        r->start = r->len; // keep discarding, never buffer the oversized line
      }
      r->scanned = 0;
      if (!nl) {
        int rc = frame__fill(r, err);
        if (rc < 0) return FRAME_IO_ERROR;
        if (rc == 0) return FRAME_EOF;
      }
      continue;
    }
    size_t flen;
    if (nl) {
      flen = (size_t)(nl - base);
      r->start += flen + 1;
    } else {
      r->scanned = avail;
      if (avail > r->max) {
        r->skip_line = true;
        r->start = r->len;
        r->scanned = 0;
        error_set(err, ERR_PARAMS, "message larger than the %zu-byte limit; skipped", r->max);
        return FRAME_TOO_BIG;
      }
      int rc = frame__fill(r, err);
      if (rc < 0) return FRAME_IO_ERROR;
      if (rc > 0) continue;
      // EOF: a last line without '\n' is still a message (the fill may have moved it)
      base = r->buf + r->start;
      flen = r->len - r->start;
      r->start = r->len;
      if (flen == 0) return FRAME_EOF;
    }
    r->scanned = 0;
    if (flen > r->max) {
      error_set(err, ERR_PARAMS, "message larger than the %zu-byte limit; skipped", r->max);
      return FRAME_TOO_BIG;
    }
    if (flen > 0 && base[flen - 1] == '\r') flen--;
    size_t i = 0;
    while (i < flen && frame__is_ws(base[i])) i++;
    if (i == flen) continue; // blank lines between messages are allowed
    base[flen] = '\0';
    *data = base;
    *len = flen;
    return FRAME_OK;
  }
}

/* Finds the end of the header block in [p, p+n): returns the offset just past the
 * blank line ("\r\n\r\n", or "\n\n" from lenient clients), or 0 if not there yet. */
static size_t frame__header_end(const char *p, size_t n) {
  for (size_t i = 0; i + 1 < n; i++) {
    if (p[i] != '\n') continue;
    if (p[i + 1] == '\n') return i + 2;
    if (p[i + 1] == '\r' && i + 2 < n && p[i + 2] == '\n') return i + 3;
  }
  return 0;
}

static bool frame__token_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_';
}

/* Moves to the next "Content-Length" after the current position and before `limit`
 * (the stream is out of step, e.g. after a Content-Length that was too short).
 * Returns false when there is none; then with keep_tail all but the last few bytes
 * are dropped. line_starts also accepts one at the start of a line. */
static bool frame__resync(FrameReader *r, size_t limit, bool keep_tail, bool line_starts) {
  static const char key[] = "Content-Length";
  size_t klen = sizeof key - 1;
  for (size_t i = r->start + 1; i + klen <= r->len && i < limit; i++) {
    // Without line_starts only mid-line: in a header block of sane size, a
    // Content-Length at the start of a line belongs to that block.
    if (strncasecmp(r->buf + i, key, klen) == 0 && (line_starts || r->buf[i - 1] != '\n')) {
      r->start = i;
      return true;
    }
  }
  // keep a tail that may be the start of a split "Content-Length"
  if (keep_tail && r->len - r->start > klen) r->start = r->len - klen;
  return false;
}

/* Parses the header block [p, p+n). Returns the Content-Length, or -1 with err set. */
static int64_t frame__parse_headers(const char *p, size_t n, bool *garbage, RtError *err) {
  int64_t length = -1;
  size_t i = 0;
  while (i < n) {
    size_t eol = i;
    while (eol < n && p[eol] != '\n') eol++;
    size_t end = eol;
    if (end > i && p[end - 1] == '\r') end--;
    if (end == i) break; // the blank line
    size_t colon = i;
    while (colon < end && frame__token_char(p[colon])) colon++;
    if (colon == i || colon >= end || p[colon] != ':') {
      if (i == 0) *garbage = true; // not even the first line is a header
      error_set(err, ERR_PARAMS, "malformed LSP header line: %.*s", (int)(end - i > 60 ? 60 : end - i),
                p + i);
      return -1;
    }
    if (colon - i == 14 && strncasecmp(p + i, "Content-Length", 14) == 0) {
      size_t v = colon + 1;
      while (v < end && (p[v] == ' ' || p[v] == '\t')) v++;
      size_t vend = end;
      while (vend > v && (p[vend - 1] == ' ' || p[vend - 1] == '\t')) vend--;
      int64_t x = 0;
      if (v == vend) return error_set(err, ERR_PARAMS, "empty Content-Length header"), -1;
      for (size_t k = v; k < vend; k++) {
        if (p[k] < '0' || p[k] > '9' || x > (INT64_MAX - 9) / 10) {
          error_set(err, ERR_PARAMS, "invalid Content-Length: %.*s (expected a non-negative integer)",
                    (int)(vend - v > 40 ? 40 : vend - v), p + v);
          return -1;
        }
        x = x * 10 + (p[k] - '0');
      }
      if (length >= 0 && length != x)
        return error_set(err, ERR_PARAMS, "conflicting Content-Length headers"), -1;
      length = x;
    }
    i = eol + 1;
  }
  if (length < 0) return error_set(err, ERR_PARAMS, "LSP header block without Content-Length"), -1;
  return length;
}

static FrameStatus frame__next_lsp(FrameReader *r, const char **data, size_t *len, RtError *err) {
  for (;;) {
    if (r->skip) { // discarding the body of an oversized frame
      size_t have = r->len - r->start;
      size_t drop = have < r->skip ? have : r->skip;
      r->start += drop;
      r->skip -= drop;
      if (r->skip) {
        int rc = frame__fill(r, err);
        if (rc < 0) return FRAME_IO_ERROR;
        if (rc == 0) return FRAME_EOF;
        continue;
      }
    }
    while (r->start < r->len && frame__is_ws(r->buf[r->start])) r->start++;
    char *base = r->buf + r->start;
    size_t avail = r->len - r->start;
    size_t hend = frame__header_end(base, avail);
    if (!hend) {
      if (avail > FRAME_HEADER_MAX) {
        bool found = frame__resync(r, r->len, true, true);
        if (r->resyncing) continue; // already reported: keep skipping quietly
        r->resyncing = !found;
        error_set(err, ERR_PARAMS, "no LSP header block in the next %zu bytes; skipped to the next Content-Length",
                  FRAME_HEADER_MAX);
        return FRAME_BAD_HEADER;
      }
      int rc = frame__fill(r, err);
      if (rc < 0) return FRAME_IO_ERROR;
      if (rc > 0) continue;
      if (avail == 0 || r->resyncing) return FRAME_EOF;
      r->start = r->len;
      error_set(err, ERR_PARAMS, "input ended inside an LSP header block");
      return FRAME_BAD_HEADER;
    }
    int64_t n = -1;
    bool garbage = hend > FRAME_HEADER_MAX || r->resyncing;
    if (hend > FRAME_HEADER_MAX)
      error_set(err, ERR_PARAMS, "LSP header block longer than %zu bytes", FRAME_HEADER_MAX);
    else
      n = frame__parse_headers(base, hend, &garbage, err);
    if (n < 0) {
      // A "Content-Length" later inside this block means we are out of step (the
      // previous Content-Length was too short, or garbage came first): restart there.
      if (frame__resync(r, r->start + hend, false, garbage))
        error_prefix(err, "out of step with the LSP framing (skipped to the next Content-Length)");
      else
        r->start += hend;
      if (r->resyncing) continue; // the garbage was reported when skipping began
      return FRAME_BAD_HEADER;
    }
    if ((uint64_t)n > r->max) {
      r->start += hend;
      r->skip = (size_t)n;
      error_set(err, ERR_PARAMS, "message of %lld bytes is larger than the %zu-byte limit; skipped",
                (long long)n, r->max);
      return FRAME_TOO_BIG;
    }
    while (r->len - r->start < hend + (size_t)n) {
      int rc = frame__fill(r, err);
      if (rc < 0) return FRAME_IO_ERROR;
      if (rc == 0) {
        size_t got = r->len - r->start - hend;
        r->start = r->len;
        error_set(err, ERR_PARAMS, "input ended inside a message (Content-Length %lld, %zu bytes received)",
                  (long long)n, got);
        return FRAME_BAD_HEADER;
      }
    }
    base = r->buf + r->start; // the buffer may have moved
    *data = base + hend;
    *len = (size_t)n;
    r->start += hend + (size_t)n;
    // NUL-terminate the body in place; the byte it covers (the next frame's first)
    // is put back at the start of the next call
    r->resyncing = false;
    r->stash_at = r->start;
    r->stash = r->buf[r->start];
    r->stashed = true;
    r->buf[r->start] = '\0';
    return FRAME_OK;
  }
}

FrameStatus frame_reader_next(FrameReader *r, const char **data, size_t *len, RtError *err) {
  *data = NULL;
  *len = 0;
  if (r->stashed) {
    r->buf[r->stash_at] = r->stash;
    r->stashed = false;
  }
  while (r->mode == FRAMING_AUTO) {
    FramingMode m = framing_detect(r->buf ? r->buf + r->start : "", r->len - r->start);
    if (m != FRAMING_AUTO) {
      r->mode = m;
      break;
    }
    int rc = frame__fill(r, err);
    if (rc < 0) return FRAME_IO_ERROR;
    if (rc == 0) {
      // only whitespace (or an incomplete "Content-") before EOF
      if (framing_detect(r->buf ? r->buf + r->start : "", r->len - r->start) == FRAMING_AUTO &&
          r->len > r->start) {
        r->mode = FRAMING_LSP;
        break;
      }
      return FRAME_EOF;
    }
  }
  return r->mode == FRAMING_LSP ? frame__next_lsp(r, data, len, err) : frame__next_ndjson(r, data, len, err);
}

bool frame_write(int fd, FramingMode mode, const char *data, size_t len, RtError *err) {
  char head[64];
  struct iovec iov[2];
  int niov = 0;
  if (mode == FRAMING_LSP) {
    int hl = snprintf(head, sizeof head, "Content-Length: %zu\r\n\r\n", len);
    iov[niov++] = (struct iovec){head, (size_t)hl};
    iov[niov++] = (struct iovec){(void *)data, len};
  } else {
    iov[niov++] = (struct iovec){(void *)data, len};
    iov[niov++] = (struct iovec){"\n", 1};
  }
  int first = 0;
  while (first < niov) {
    ssize_t n = writev(fd, iov + first, niov - first);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) {
        struct pollfd p = {.fd = fd, .events = POLLOUT};
        (void)poll(&p, 1, -1);
        continue;
      }
      return error_set(err, ERR_IO, "writing a response failed: %s", strerror(errno));
    }
    size_t left = (size_t)n;
    while (first < niov && left >= iov[first].iov_len) {
      left -= iov[first].iov_len;
      first++;
    }
    if (first < niov) {
      iov[first].iov_base = (char *)iov[first].iov_base + left;
      iov[first].iov_len -= left;
    }
  }
  return true;
}

bool frame_reader_lookahead(FrameReader *r, size_t cap) {
  bool got = false;
  while (!r->eof && !r->ahead_eof && r->ahead_len < cap) {
    struct pollfd p = {.fd = r->fd, .events = POLLIN};
    if (poll(&p, 1, 0) <= 0 || !(p.revents & (POLLIN | POLLHUP | POLLERR))) break;
    size_t want = cap - r->ahead_len < FRAME_READ_CHUNK ? cap - r->ahead_len : FRAME_READ_CHUNK;
    if (r->ahead_cap - r->ahead_len < want) {
      r->ahead_cap = r->ahead_len + want;
      r->ahead = xrealloc(r->ahead, r->ahead_cap);
    }
    ssize_t n = read(r->fd, r->ahead + r->ahead_len, want);
    if (n > 0) {
      r->ahead_len += (size_t)n;
      got = true;
    } else if (n == 0) {
      r->ahead_eof = true; // seen by frame__fill once the bytes before it are consumed
    } else if (errno != EINTR) {
      break; // EAGAIN or a real error: frame_reader_next will meet it again
    }
  }
  return got;
}

bool frame_reader_scan_lines(FrameReader *r, bool (*fn)(void *ctx, const char *line, size_t len),
                             void *ctx) {
  if (r->mode != FRAMING_NDJSON) return false;
  // The unconsumed buffered bytes, then the looked-ahead ones: one contiguous copy so
  // that a line split between the two is seen whole. Small: one call's worth of input.
  size_t tail = r->len - r->start;
  size_t n = tail + r->ahead_len;
  if (n == 0) return false;
  char *all = xmalloc(n + 1);
  memcpy(all, r->buf + r->start, tail);
  if (r->ahead_len) memcpy(all + tail, r->ahead, r->ahead_len);
  all[n] = '\0';
  size_t at = 0;
  if (r->skip_line) { // the rest of an oversized line being discarded: not a message
    char *nl = memchr(all, '\n', n);
    at = nl ? (size_t)(nl - all) + 1 : n;
  }
  bool hit = false;
  while (at < n && !hit) {
    char *nl = memchr(all + at, '\n', n - at);
    if (!nl) break; // incomplete: not a message yet
    size_t len = (size_t)(nl - (all + at));
    *nl = '\0';
    if (len <= r->max) hit = fn(ctx, all + at, len);
    at += len + 1;
  }
  free(all);
  return hit;
}
