/* fuzz_framing.c - both framings from arbitrary bytes: every frame returned lies inside
 * the input, is NUL-terminated, is at most the cap; look-ahead and line scanning on the
 * same stream never disturb it. The first byte picks the mode and the cap. */
#include <string.h>

#include "fuzz_input.h"
#include "protocol/framing.h"

int LLVMFuzzerInitialize(int *argc, char ***argv) { return 0; }

static bool count_line(void *ctx, const char *line, size_t len) {
  if (strlen(line) != len && !memchr(line, '\0', len)) abort();
  ++*(size_t *)ctx;
  return false;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1) return 0;
  static const FramingMode modes[] = {FRAMING_AUTO, FRAMING_NDJSON, FRAMING_LSP};
  FramingMode mode = modes[data[0] % 3];
  size_t cap = (data[0] & 0x80) ? 64 : 4096;
  bool peek = data[0] & 0x40;
  int fd = fuzz_fd(data + 1, size - 1);
  FrameReader *r = frame_reader_new(fd, mode, cap);
  size_t total = 0, lines = 0;
  for (int i = 0; i < 100000; i++) {
    const char *frame;
    size_t len;
    RtError err = {0};
    if (peek) {
      frame_reader_lookahead(r, 1 << 16);
      frame_reader_scan_lines(r, count_line, &lines);
    }
    FrameStatus st = frame_reader_next(r, &frame, &len, &err);
    if (st == FRAME_EOF || st == FRAME_IO_ERROR) break;
    if (st == FRAME_OK) {
      if (len > cap || frame[len] != '\0') abort();
      total += len;
      if (total > size) abort(); // frames are pieces of the input, never more
    } else if (!err.msg[0]) {
      abort(); // every problem says what it is
    }
  }
  frame_reader_delete(r);
  close(fd);
  return 0;
}
