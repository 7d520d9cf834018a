/* fuzz_input.h - helpers shared by the fuzz targets: the input bytes as a readable fd
 * (the framing layer reads with read(2)), and a writable sink for replies. */
#ifndef RETORT_FUZZ_INPUT_H
#define RETORT_FUZZ_INPUT_H
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

/* A memfd holding `data`, positioned at its start. Aborts when the kernel says no: the
 * fuzzer must not silently test nothing. */
static inline int fuzz_fd(const uint8_t *data, size_t size) {
  int fd = memfd_create("fuzz-input", MFD_CLOEXEC);
  if (fd < 0) abort();
  for (size_t off = 0; off < size;) {
    ssize_t n = write(fd, data + off, size - off);
    if (n <= 0) abort();
    off += (size_t)n;
  }
  if (lseek(fd, 0, SEEK_SET) != 0) abort();
  return fd;
}

/* Where replies go: /dev/null (opened once). */
static inline int fuzz_sink(void) {
  static int fd = -1;
  if (fd < 0) fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
  if (fd < 0) abort();
  return fd;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

#endif
