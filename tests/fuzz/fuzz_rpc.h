/* fuzz_rpc.h - the server loop of one connection fed arbitrary bytes after a fixed
 * handshake, with the real tool session on a fixture project. Tools that need a
 * database are pointed at one that cannot exist, so nothing is started or changed. */
#ifndef RETORT_FUZZ_RPC_H
#define RETORT_FUZZ_RPC_H
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "fuzz_input.h"
#include "protocol/server.h"
#include "server/tools/lsp_features.h"
#include "server/tools/tools.h"

#ifndef RETORT_SOURCE_DIR
#error "RETORT_SOURCE_DIR must be defined"
#endif
#define FUZZ_FIXTURE RETORT_SOURCE_DIR "/tests/fixtures/projects/proj_basic"

/* A copy of the fixture project in a temporary directory: whatever a tool might write
 * lands there, never in the source tree. */
static char fuzz_project[256];

static inline void fuzz_rpc_init(void) {
  setenv("RETORT_DATABASE_URL", "postgresql:///fuzz?host=/nonexistent/retort-fuzz", 1);
  unsetenv("DATABASE_URL");
  char tmpl[] = "/tmp/retort-fuzz.XXXXXX";
  if (!mkdtemp(tmpl)) abort();
  snprintf(fuzz_project, sizeof fuzz_project, "%s/project", tmpl);
  pid_t pid = fork();
  if (pid == 0) {
    execl("/bin/cp", "cp", "-r", FUZZ_FIXTURE, fuzz_project, (char *)NULL);
    _exit(127);
  }
  int st = 0;
  if (pid < 0 || waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st) != 0) abort();
}

/* Serves `prefix` then `data` as one input stream in `mode`. */
static inline void fuzz_rpc_serve(FramingMode mode, const char *prefix, const uint8_t *data,
                                  size_t size) {
  size_t plen = strlen(prefix);
  uint8_t *all = malloc(plen + size + 1);
  memcpy(all, prefix, plen);
  if (size) memcpy(all + plen, data, size);
  int fd = fuzz_fd(all, plen + size);
  free(all);
  // A fresh session per input: no state carried from one input to the next, so a
  // crash reproduces from its input alone.
  ToolSession *s = tool_session_new(fuzz_project);
  LspFeatures *lsp = mode == FRAMING_LSP ? lsp_features_new(fuzz_project) : NULL;
  ServeOptions opt = {.mode = mode, .max_frame = 1 << 20, .mcp = tool_session_mcp_info(s),
                      .lsp = lsp ? lsp_features_info(lsp) : NULL, .log_name = "fuzz"};
  (void)rpc_serve(fd, fuzz_sink(), &opt);
  lsp_features_delete(lsp);
  tool_session_delete(s);
  close(fd);
}

#endif
