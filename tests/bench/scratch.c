/* scratch.c - times the scratch cluster: first start with initdb (no template), first
 * start from the template (a copy), restart (start + connection), and joining a running
 * cluster (what each later retort process pays), each followed by a stop. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "server/db/db.h"

static double now_s(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static int cmp_d(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

static void report(const char *what, double *v, int n) {
  qsort(v, (size_t)n, sizeof *v, cmp_d);
  printf("%-44s min %7.1f ms  median %7.1f ms  max %7.1f ms  (%d runs)\n", what, v[0] * 1e3,
         v[n / 2] * 1e3, v[n - 1] * 1e3, n);
}

/* One connection to the scratch cluster of `root`, timed; exits on failure. */
static double connect_once(const char *root) {
  Project p;
  memset(&p, 0, sizeof p);
  p.root = (char *)root;
  DbTarget t;
  RtError err = {0};
  Db *db = NULL;
  double t0 = now_s();
  if (!db_target_resolve(&p, NULL, &t, &err) || !db_connect(&t, &db, &err)) {
    fprintf(stderr, "scratch bench: %s\n", err.msg);
    exit(1);
  }
  double dt = now_s() - t0;
  db_close(db);
  db_target_free(&t);
  return dt;
}

int main(int argc, char **argv) {
  int runs = argc > 1 ? atoi(argv[1]) : 5;
  if (runs < 1 || runs > 100) runs = 5;
  char base[] = "/tmp/retort-scratch-bench.XXXXXX";
  if (!mkdtemp(base) || chmod(base, 0755) != 0) {
    perror("mkdtemp");
    return 1;
  }
  setenv("RETORT_SCRATCH_DIR", base, 1);
  double first[100], copied[100], restart[100], join[100];
  setenv("RETORT_SCRATCH_TEMPLATE_DIR", "off", 1);
  for (int i = 0; i < runs; i++) {
    char root[64];
    snprintf(root, sizeof root, "/bench/initdb-%d", i);  // a new cluster each time
    first[i] = connect_once(root);
    scratch_stop_all();
  }
  char tpl[sizeof base + 16];
  snprintf(tpl, sizeof tpl, "%s/templates", base);
  setenv("RETORT_SCRATCH_TEMPLATE_DIR", tpl, 1);
  connect_once("/bench/make-the-template");
  scratch_stop_all();
  for (int i = 0; i < runs; i++) {
    char root[64];
    snprintf(root, sizeof root, "/bench/project-%d", i);
    copied[i] = connect_once(root);
    scratch_stop_all();
  }
  for (int i = 0; i < runs; i++) {
    restart[i] = connect_once("/bench/project-0");
    scratch_stop_all();
  }
  connect_once("/bench/project-0");  // keep it running: each join below reuses it
  for (int i = 0; i < runs; i++) {
    // A process that finds the cluster running (the fast path within one process is
    // not what a new CLI call pays, so the registration is dropped by forking).
    int fds[2];
    if (pipe(fds) != 0) return 1;
    pid_t pid = fork();
    if (pid == 0) {
      double dt = connect_once("/bench/project-0");
      if (write(fds[1], &dt, sizeof dt) != sizeof dt) _exit(1);
      _exit(0);  // no atexit: the parent still uses the cluster
    }
    close(fds[1]);
    if (read(fds[0], &join[i], sizeof join[i]) != sizeof join[i]) return 1;
    close(fds[0]);
  }
  scratch_stop_all();
  report("first start (initdb, start, connect)", first, runs);
  report("first start (template copy, start, connect)", copied, runs);
  report("restart (start, connect)", restart, runs);
  report("join a running cluster (connect)", join, runs);
  char cmd[128];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", base);
  return system(cmd) == 0 ? 0 : 1;
}
