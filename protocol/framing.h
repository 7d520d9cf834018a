/* framing.h - message framing on a byte stream: newline-delimited JSON (MCP stdio) and
 * `Content-Length:` headers (LSP), auto-detected from the first bytes or forced. */
#ifndef RETORT_PROTOCOL_FRAMING_H
#define RETORT_PROTOCOL_FRAMING_H
#include <stdbool.h>
#include <stddef.h>

#include "server/base/error.h"

typedef enum FramingMode {
  FRAMING_AUTO = 0, /* decide from the first non-whitespace bytes: "Content-Length" → LSP, else NDJSON */
  FRAMING_NDJSON,   /* one JSON text per line ('\n', an optional '\r' before it is dropped) */
  FRAMING_LSP,      /* "Content-Length: N\r\n" [other headers] "\r\n" then N bytes */
} FramingMode;

typedef enum FrameStatus {
  FRAME_OK,        /* *data / *len hold one frame */
  FRAME_EOF,       /* clean end of input (a final NDJSON line without '\n' is still returned first) */
  FRAME_TOO_BIG,   /* a frame over the cap was skipped without buffering it; reading can go on */
  FRAME_BAD_HEADER,/* a malformed frame: LSP header block without a valid Content-Length, or
                      input that ended inside a frame; resynchronised, reading can go on */
  FRAME_IO_ERROR,  /* read(2) failed (not EINTR/EAGAIN); stop reading */
} FrameStatus;

/* Default cap on one frame's body: 16 MiB. */
#define FRAME_MAX_DEFAULT ((size_t)16 * 1024 * 1024)

typedef struct FrameReader FrameReader;

/**
 * A reader of frames from `fd` (not owned, never closed). `max_frame` 0 means
 * FRAME_MAX_DEFAULT. frame_reader_delete(NULL) is a no-op.
 */
FrameReader *frame_reader_new(int fd, FramingMode mode, size_t max_frame);
void frame_reader_delete(FrameReader *r);

/**
 * Reads the next frame, calling read(2) as often as needed (partial reads and several
 * frames per read are both fine). On FRAME_OK, *data and *len point into the reader's
 * buffer, valid until the next call (the byte after the frame is a NUL).
 * On FRAME_TOO_BIG / FRAME_BAD_HEADER / FRAME_IO_ERROR `err` says what happened.
 */
FrameStatus frame_reader_next(FrameReader *r, const char **data, size_t *len, RtError *err);

/**
 * Reads whatever input is available right now, without blocking, into a look-ahead
 * buffer (holding at most `cap` bytes) that later frame_reader_next calls consume
 * before reading again; frames already returned stay valid. This is how a long request
 * notices a cancellation sent after it. Returns true when bytes arrived.
 */
bool frame_reader_lookahead(FrameReader *r, size_t cap);

/**
 * NDJSON only: calls fn(ctx, line, len) for each complete line not yet returned by
 * frame_reader_next (buffered or looked ahead), in order; `line` is NUL-terminated and
 * valid during the call. Stops and returns true as soon as fn returns true.
 */
bool frame_reader_scan_lines(FrameReader *r, bool (*fn)(void *ctx, const char *line, size_t len),
                             void *ctx);

/** The framing in use: FRAMING_AUTO until the first bytes have decided it. */
FramingMode frame_reader_mode(const FrameReader *r);

/** Decides the mode from the start of a stream (leading whitespace skipped); AUTO if undecided. */
FramingMode framing_detect(const char *data, size_t len);

/**
 * Writes one whole frame to `fd` in `mode` (NDJSON: data + "\n"; LSP: header + data),
 * retrying on EINTR and partial writes. `data` must not contain a raw newline in
 * NDJSON mode (our JSON writer never emits one). Returns false with ERR_IO on failure
 * (e.g. EPIPE when the peer went away; the caller should ignore SIGPIPE).
 */
bool frame_write(int fd, FramingMode mode, const char *data, size_t len, RtError *err);

#endif
