/* fuzz_rpc.h - the server loop of one connection fed arbitrary bytes after a fixed
 * handshake, with the real tool session on a fixture project. Tools that need a
 * database are pointed at one that cannot exist, so nothing is started or changed. */
#ifndef RETORT_FUZZ_RPC_H
#define RETORT_FUZZ_RPC_H
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

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

/* Runs argv (no shell); its exit status, or -1 when it did not exit normally. */
static inline int fuzz__run(char *const argv[]) {
  pid_t pid = fork();
  if (pid == 0) {
    execv(argv[0], argv);
    _exit(127);
  }
  int st = 0;
  if (pid < 0 || waitpid(pid, &st, 0) != pid || !WIFEXITED(st)) return -1;
  return WEXITSTATUS(st);
}

static inline void fuzz__copy_fixture(const char *to) {
  char *cp[] = {"/bin/cp", "-r", FUZZ_FIXTURE, (char *)to, NULL};
  if (fuzz__run(cp) != 0) abort();
}

static inline void fuzz__no_database(void) {
  setenv("RETORT_DATABASE_URL", "postgresql:///fuzz?host=/nonexistent/retort-fuzz", 1);
  unsetenv("DATABASE_URL");
}

static inline void fuzz_rpc_init(void) {
  fuzz__no_database();
  char tmpl[] = "/tmp/retort-fuzz.XXXXXX";
  if (!mkdtemp(tmpl)) abort();
  snprintf(fuzz_project, sizeof fuzz_project, "%s/project", tmpl);
  fuzz__copy_fixture(fuzz_project);
}

/* The fixture project at the fixed path DIR/project, so that committed inputs can name
 * its files (for targets whose sessions only read the project: the LSP one). Made once
 * per process: when DIR/project is missing or differs from the fixture (diff -r), a
 * fresh copy made beside it is renamed into place and the old one removed, so that
 * processes sharing the path (parallel fuzzing jobs, the replays of several builds)
 * never see a half-made copy. DIR must be a directory of ours, not a symlink. */
static inline void fuzz_rpc_init_fixed(const char *dir) {
  fuzz__no_database();
  if (mkdir(dir, 0755) != 0 && errno != EEXIST) abort();
  struct stat st;
  if (lstat(dir, &st) != 0 || !S_ISDIR(st.st_mode) || st.st_uid != geteuid()) {
    fprintf(stderr, "fuzz: %s is not a directory of ours; remove it\n", dir);
    abort();
  }
  snprintf(fuzz_project, sizeof fuzz_project, "%s/project", dir);
  char *diff[] = {"/usr/bin/diff", "-rq", FUZZ_FIXTURE, fuzz_project, NULL};
  if (access(fuzz_project, F_OK) == 0 && fuzz__run(diff) == 0) return;
  char fresh[256], old[256];
  snprintf(fresh, sizeof fresh, "%s/.fresh.XXXXXX", dir);
  snprintf(old, sizeof old, "%s/.old.XXXXXX", dir);
  if (!mkdtemp(fresh) || !mkdtemp(old)) abort();
  char fresh_project[300], old_project[300];
  snprintf(fresh_project, sizeof fresh_project, "%s/project", fresh);
  snprintf(old_project, sizeof old_project, "%s/project", old);
  fuzz__copy_fixture(fresh_project);
  // Out of the way, then in: another process may win either rename, which is fine.
  (void)rename(fuzz_project, old_project);
  (void)rename(fresh_project, fuzz_project);
  char *rm[] = {"/bin/rm", "-rf", fresh, old, NULL};
  (void)fuzz__run(rm);
  if (access(fuzz_project, F_OK) != 0) abort();
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
