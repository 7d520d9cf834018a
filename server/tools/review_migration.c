/* review_migration.c - the `review_migration` tool: per revision the typed operations,
 * the SQL they render to, the locks each statement takes, and the lint findings. */
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "server/alembic/ops.h"
#include "server/base/mem.h"
#include "server/lint/lint.h"
#include "server/sql/analyze.h"
#include "server/sql/sql.h"
#include "server/tools/tools.h"
#include "server/tools/verify.h"

/* The revisions under review, in apply order, without repeats. */
typedef VEC(Revision *) RevVec;

static void review__push(RevVec *v, Revision *r) {
  for (size_t i = 0; i < v->len; i++)
    if (v->items[i] == r) return;
  vec_push(v, r);
}

/* Each element of a string-or-array argument. */
static size_t review__strings(const Json *v, const char **out, size_t cap) {
  if (!v) return 0;
  if (v->type == JSON_STRING) {
    out[0] = v->str;
    return 1;
  }
  size_t n = 0;
  for (size_t i = 0; i < v->n && n < cap; i++) out[n++] = v->items[i]->str;
  return n;
}

/* Whether the file at `path` resolves to `want` (a realpath). */
static bool review__resolves_to(const char *path, const char *want) {
  char *have = realpath(path, NULL);
  bool same = have && strcmp(have, want) == 0;
  free(have);
  return same;
}

static bool review__by_path(const ToolProject *tp, const char *path, RevVec *out, RtError *err) {
  char *want = realpath(path, NULL);
  if (!want) return error_set(err, ERR_NOT_FOUND, "no such revision file: %s", path);
  // At most one revision resolves to a given real file (the project drops a file
  // reached twice), so any match is the match. realpath() costs a syscall per path
  // component, a thousand revisions make it the bulk of a warm review of one file:
  // first the revision whose path already is `want` (a realpath resolves to itself),
  // then only the files on the same inode (a stat each) are resolved.
  Revision *hit = NULL;
  size_t nrev = graph_count(tp->graph);
  for (size_t i = 0; i < nrev && !hit; i++) {
    Revision *r = graph_at(tp->graph, i);
    if (r->path && strcmp(r->path, want) == 0) hit = r;
  }
  struct stat ws;
  if (!hit && stat(want, &ws) == 0) {
    for (size_t i = 0; i < nrev && !hit; i++) {
      Revision *r = graph_at(tp->graph, i);
      struct stat rs;
      if (r->path && stat(r->path, &rs) == 0 && rs.st_ino == ws.st_ino && rs.st_dev == ws.st_dev &&
          review__resolves_to(r->path, want))
        hit = r;
    }
  }
  if (hit) {
    review__push(out, hit);
  } else {
    error_set(err, ERR_NOT_FOUND,
              "%s is not a revision of this project's graph (it is outside the version "
              "locations, has no literal revision id, or its revision was dropped; see status)",
              want);
  }
  free(want);
  return hit != NULL;
}

static bool review__by_target(const ToolProject *tp, const char *target, RevVec *out,
                              RtError *err) {
  Revision **revs = NULL;
  size_t n = 0;
  if (strchr(target, ':')) {
    // A range, as history reads it (newest first): review it in apply order.
    if (!graph_history(tp->graph, target, &revs, &n, err)) return false;
    for (size_t i = n; i-- > 0;) review__push(out, revs[i]);
  } else {
    if (!graph_resolve(tp->graph, target, &revs, &n, err)) return false;
    if (n == 0) {
      free(revs);
      return error_set(err, ERR_TARGET, "'%s' names no revision to review", target);
    }
    for (size_t i = 0; i < n; i++) review__push(out, revs[i]);
  }
  free(revs);
  return true;
}

static void review__write_ops(JsonWriter *w, const MigOp *ops, size_t n) {
  for (size_t i = 0; i < n; i++) {
    const MigOp *m = &ops[i];
    jw_object_begin(w);
    jw_kv_string(w, "op", m->method ? m->method : "(statement)");
    jw_kv_string(w, "kind", opkind_name(m->kind));
    jw_kv_string(w, "table", m->table);
    jw_kv_bool(w, "dynamic", m->dynamic);
    if (m->dynamic && m->dynamic_reason) jw_kv_string(w, "reason", m->dynamic_reason);
    tool_write_range(w, m->range);
    jw_object_end(w);
    // Batch and autocommit bodies are listed after their container, flattened.
    if (m->nbody) review__write_ops(w, m->body, m->nbody);
  }
}

typedef struct Direction {
  const char *name;
  MigOpList ops;
  SqlStmtList sql;
} Direction;

static void review__write_locks(JsonWriter *w, Arena *a, const Direction *d, Buf *text) {
  for (size_t i = 0; i < d->sql.len; i++) {
    SqlStmtInfo info;
    if (!sql_lock_for(a, &d->sql.items[i], &info)) continue;
    for (size_t k = 0; k < info.nlocks; k++) {
      const SqlLock *l = &info.locks[k];
      jw_object_begin(w);
      jw_kv_string(w, "direction", d->name);
      jw_kv_int(w, "statement", (int64_t)i + 1);
      jw_kv_string(w, "mode", pglock_name(l->mode));
      jw_kv_string(w, "table", l->table);
      jw_kv_bool(w, "blocks_writes", pglock_blocks_writes(l->mode));
      jw_kv_bool(w, "blocks_reads", pglock_blocks_reads(l->mode));
      jw_kv_bool(w, "in_transaction", d->sql.items[i].transactional);
      jw_object_end(w);
      if (text && strcmp(d->name, "upgrade") == 0)
        buf_printf(text, "  lock %s on %s (statement %zu%s)\n", pglock_name(l->mode),
                   l->table ? l->table : "?", i + 1,
                   d->sql.items[i].transactional ? "" : ", outside the transaction");
    }
  }
}

static void review__write_revision(JsonWriter *w, Arena *a, const Revision *r, Buf *text) {
  Direction dirs[2] = {{"upgrade", {0}, {0}}, {"downgrade", {0}, {0}}};
  ops_interpret(a, &r->upgrade, &dirs[0].ops, NULL);
  ops_interpret(a, &r->downgrade, &dirs[1].ops, NULL);
  for (int k = 0; k < 2; k++) sql_render_ops(a, &dirs[k].ops, &dirs[k].sql);

  jw_object_begin(w);
  jw_kv_string(w, "revision", r->id);
  jw_kv_string(w, "path", r->path);
  jw_kv_string(w, "message", r->message ? r->message : "");
  jw_key(w, "operations");
  jw_object_begin(w);
  for (int k = 0; k < 2; k++) {
    jw_key(w, dirs[k].name);
    jw_array_begin(w);
    review__write_ops(w, dirs[k].ops.items, dirs[k].ops.len);
    jw_array_end(w);
  }
  jw_object_end(w);
  jw_key(w, "sql");
  jw_object_begin(w);
  for (int k = 0; k < 2; k++) {
    jw_key(w, dirs[k].name);
    jw_array_begin(w);
    for (size_t i = 0; i < dirs[k].sql.len; i++) jw_string(w, dirs[k].sql.items[i].sql);
    jw_array_end(w);
  }
  jw_object_end(w);

  buf_printf(text, "Revision %s (%s)\n  %s\n", r->id, r->message ? r->message : "", r->path);
  buf_puts(text, "-- upgrade\n");
  buf_puts(text, sql_stmts_join(a, &dirs[0].sql));
  jw_key(w, "locks");
  jw_array_begin(w);
  for (int k = 0; k < 2; k++) review__write_locks(w, a, &dirs[k], k == 0 ? text : NULL);
  jw_array_end(w);
  jw_kv_bool(w, "static", dirs[0].ops.is_static && dirs[1].ops.is_static);
  jw_object_end(w);
  buf_puts(text, "\n");
}

/* The `revisions` array and its text, rendered apart from the lint: the two only read
 * the parsed revisions. The revisions are cut into chunks that either thread takes in
 * turn: a second thread renders from the start while this one lints and writes the
 * findings, then this one takes the chunks still left. Each chunk is serialized on its
 * own (an array of its revisions, and its text); the caller splices them in order. */
typedef struct RenderChunk {
  Buf json; /* "[rev, rev, ...]" */
  Buf text;
} RenderChunk;

typedef struct RenderJob {
  const RevVec *revs;
  RenderChunk *chunks;
  size_t nchunks;
  atomic_size_t next; /* the next chunk to take */
} RenderJob;

/* Revisions per chunk: small enough that the two threads finish together, big enough
 * that taking one costs nothing. */
static const size_t REVIEW_CHUNK = 8;

static void *review__render(void *arg) {
  RenderJob *job = arg;
  Arena *a = arena_new(); // the request arena is not shared across threads
  for (;;) {
    size_t c = atomic_fetch_add(&job->next, 1);
    if (c >= job->nchunks) break;
    RenderChunk *ch = &job->chunks[c];
    JsonWriter w;
    jw_init(&w, &ch->json);
    jw_array_begin(&w);
    size_t end = (c + 1) * REVIEW_CHUNK < job->revs->len ? (c + 1) * REVIEW_CHUNK : job->revs->len;
    for (size_t i = c * REVIEW_CHUNK; i < end; i++)
      review__write_revision(&w, a, job->revs->items[i], &ch->text);
    jw_array_end(&w);
    arena_reset(a);
  }
  arena_delete(a);
  return NULL;
}

static void review__drop_chunks(RenderJob *job) {
  for (size_t c = 0; c < job->nchunks; c++) {
    buf_free(&job->chunks[c].json);
    buf_free(&job->chunks[c].text);
  }
  free(job->chunks);
  job->chunks = NULL;
}

/* The size of the chunks spliced together: (json, text). */
static void review__spliced_size(const RenderJob *job, size_t *json, size_t *text) {
  *json = 2 + job->nchunks;
  *text = 0;
  for (size_t c = 0; c < job->nchunks; c++) {
    *json += job->chunks[c].json.len;
    *text += job->chunks[c].text.len;
  }
}

/* The chunks spliced in order: one array appended to `json` (the value after a key: the
 * writer is told of it with jw_raw), the text to `text`; then frees the chunks. A long review's
 * array is megabytes: it is copied once, into a buffer reserved for it and for `more`
 * bytes after it. */
static void review__splice(RenderJob *job, JsonWriter *w, Buf *json, Buf *text, size_t more) {
  size_t njson, ntext;
  review__spliced_size(job, &njson, &ntext);
  buf_reserve(json, njson + more);
  buf_reserve(text, ntext);
  jw_raw(w, "[", 1);
  bool any = false;
  for (size_t c = 0; c < job->nchunks; c++) {
    RenderChunk *ch = &job->chunks[c];
    // Between the brackets of "[...]"; an empty chunk is "[]".
    if (ch->json.len > 2) {
      if (any) buf_putc(json, ',');
      buf_append(json, ch->json.data + 1, ch->json.len - 2);
      any = true;
    }
    buf_append(text, ch->text.data, ch->text.len);
  }
  buf_putc(json, ']');
  review__drop_chunks(job);
}

/* Below this many revisions a thread costs more than it saves. */
static const size_t REVIEW_THREAD_MIN = 16;

/* Graph problems belong to a review when they are about a reviewed file, or about no
 * file at all (multiple heads). */
static bool review__about(const Finding *f, const RevVec *revs) {
  if (!f->path) return true;
  for (size_t i = 0; i < revs->len; i++)
    if (strcmp(f->path, revs->items[i]->path) == 0) return true;
  return false;
}

/* The schemas before the revisions reviewed last, for the warm re-review of one edited
 * file. Process-wide (the session object is not this file's): its keys are the ancestors'
 * folded content, not a project or a session, so sharing it is correct, and the lock
 * keeps concurrent sessions apart. Reachable until exit, never freed. */
static pthread_mutex_t review__cache_lock = PTHREAD_MUTEX_INITIALIZER;
static LintSchemaCache *review__cache;

static bool review__lint(const LintConfig *cfg, const Graph *g, const RevVec *revs,
                         FindingList *out, RtError *err) {
  if (revs->len != 1) return lint_revisions(cfg, g, revs->items, revs->len, NULL, out, err);
  pthread_mutex_lock(&review__cache_lock);
  if (!review__cache) review__cache = lint_schema_cache_new();
  bool ok = lint_revisions_cached(review__cache, cfg, g, revs->items, 1, NULL, out, err);
  pthread_mutex_unlock(&review__cache_lock);
  return ok;
}

bool tool_review_migration(ToolSession *s, const McpToolCall *call, McpToolResult *res,
                           RtError *err) {
  const Json *args = call->arguments;
  ToolProject tp;
  RevVec revs = {0};
  LintConfig *cfg = NULL;
  FindingList found;
  findings_init(&found);
  bool ok = false;
  if (!tool_project_load(s, args, REV_PARSE_FULL, &tp, err)) goto done;
  if (!lint_config_from_project(tp.project, &cfg, err)) goto done;

  const char *targets[64], *paths[64];
  size_t ntargets = review__strings(json_get(args, "revision"), targets, 64);
  size_t npaths = review__strings(json_get(args, "path"), paths, 64);
  for (size_t i = 0; i < npaths; i++)
    if (!review__by_path(&tp, paths[i], &revs, err)) goto done;
  for (size_t i = 0; i < ntargets; i++)
    if (!review__by_target(&tp, targets[i], &revs, err)) goto done;
  if (ntargets == 0 && npaths == 0 && !review__by_target(&tp, "heads", &revs, err)) goto done;

  RenderJob job = {.revs = &revs};
  job.nchunks = (revs.len + REVIEW_CHUNK - 1) / REVIEW_CHUNK;
  job.chunks = xcalloc(job.nchunks ? job.nchunks : 1, sizeof *job.chunks);
  atomic_init(&job.next, 0);
  pthread_t renderer;
  bool threaded = revs.len >= REVIEW_THREAD_MIN &&
                  pthread_create(&renderer, NULL, review__render, &job) == 0;
  // This thread: the lint, the findings (which need all of it), then what is left to
  // render.
  bool linted = review__lint(cfg, tp.graph, &revs, &found, err);
  Buf found_json = BUF_INIT, found_text = BUF_INIT;
  if (linted) {
    FindingList graph_found;
    findings_init(&graph_found);
    lint_graph_findings(cfg, tp.problems, &graph_found);
    for (size_t i = 0; i < graph_found.len; i++) {
      if (!review__about(&graph_found.items[i], &revs)) continue;
      FindingList one = {graph_found.arena, &graph_found.items[i], 1, 1};
      findings_extend(&found, &one);
    }
    findings_free(&graph_found);
    findings_sort(&found);
    JsonWriter fw;
    jw_init(&fw, &found_json);
    tool_write_findings(&fw, &found);
    tool_text_findings(&found_text, &found);
  } else {
    atomic_store(&job.next, job.nchunks); // nothing more to start: the call fails
  }
  review__render(&job);
  if (threaded) pthread_join(renderer, NULL);
  if (!linted) {
    review__drop_chunks(&job);
    buf_free(&found_json);
    buf_free(&found_text);
    goto done;
  }

  JsonWriter w;
  jw_init(&w, &res->structured);
  jw_object_begin(&w);
  jw_key(&w, "revisions");
  review__splice(&job, &w, &res->structured, &res->text, found_json.len + 256);
  jw_key(&w, "findings");
  jw_raw(&w, found_json.data, found_json.len);
  buf_free(&found_json);
  size_t count[3] = {0, 0, 0};
  for (size_t i = 0; i < found.len; i++) count[found.items[i].severity]++;
  jw_key(&w, "summary");
  jw_object_begin(&w);
  jw_kv_int(&w, "revisions", (int64_t)revs.len);
  jw_kv_int(&w, "errors", (int64_t)count[SEV_ERROR]);
  jw_kv_int(&w, "warnings", (int64_t)count[SEV_WARNING]);
  jw_kv_int(&w, "infos", (int64_t)count[SEV_INFO]);
  jw_object_end(&w);
  // The round trip on a throwaway scratch database, when asked for: its problems are
  // data in "verify" (the review itself stands); only an internal error fails the call.
  Buf vtext = BUF_INIT;
  if (json_get_true(args, "verify")) {
    jw_key(&w, "verify");
    if (!tool_verify_revisions(s, &tp, revs.items, revs.len, &w, &vtext, err)) {
      buf_free(&vtext);
      buf_free(&found_text);
      goto done;
    }
  }
  jw_object_end(&w);

  buf_append(&res->text, found_text.data, found_text.len);
  buf_free(&found_text);
  buf_printf(&res->text, "%zu revision%s reviewed: %zu error%s, %zu warning%s, %zu info\n",
             revs.len, revs.len == 1 ? "" : "s", count[SEV_ERROR], count[SEV_ERROR] == 1 ? "" : "s",
             count[SEV_WARNING], count[SEV_WARNING] == 1 ? "" : "s", count[SEV_INFO]);
  if (vtext.len) {
    buf_puts(&res->text, "\n");
    buf_append(&res->text, vtext.data, vtext.len);
  }
  buf_free(&vtext);
  ok = true;

done:
  findings_free(&found);
  lint_config_delete(cfg);
  vec_free(&revs);
  tool_project_free(&tp);
  return ok;
}
