/* lsp_features.c - the LSP features over open revision files: incremental sync, diagnostics
 * (parser + revision graph with unsaved text in place), hover, definition, quick fixes.
 * The protocol lifecycle lives in protocol/lsp.c; this file only adds the handler table. */
#include "server/tools/lsp_features.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <tree_sitter/api.h>

#include "protocol/json.h"
#include "server/alembic/graph.h"
#include "server/alembic/project.h"
#include "server/alembic/revision.h"
#include "server/alembic/scripts.h"
#include "server/base/mem.h"
#include "server/lint/lint.h"

#ifndef RETORT_VERSION
#define RETORT_VERSION "0.1.0"
#endif

/* A revision file bigger than this is not read from disk for a definition's range. */
static const size_t LSP_MAX_FILE = 16u << 20;
/* While typing, the files on disk are re-listed and re-stat'ed at most this often (a
 * 1,000-file project costs some 4 ms per look); opening, saving and closing a document
 * always look. */
static const int64_t LSP_DISK_RECHECK_NS = 1000 * 1000 * 1000;

/* One project with open documents: its revision files, a parse cache of the ones on disk,
 * and the last graph built over them with the open documents' text in place. */
typedef struct LspProject {
  char *key; /* alembic.ini path, or root for a project without one */
  Project *project;
  ScriptCache *cache; /* one per project: a load evicts files it was not given */
  char **paths;       /* the revision files listed by the last look at the disk */
  size_t npaths;
  ScriptSet scripts; /* the files on disk that are not open, from the last load */
  int64_t looked_at; /* CLOCK_MONOTONIC ns of that look; 0 = never */
  Revision **revs;   /* what the graph holds, in Alembic's order (an open document's entry
                        may be freed once it is reparsed: compared, never read, then) */
  const void **owners; /* per revs[i]: its LspDoc, or the Revision itself for a disk file */
  size_t nrevs;
  Graph *graph; /* NULL when stale (a document was opened or closed); after an edit it is
                   kept until lsp__analyze, which keeps it when graph_replace allows */
  uint64_t built_at; /* LspFeatures.parses when the graph was last brought up to date */
  FindingList problems;
  Revision **order; /* graph_history(NULL), heads first: computed for hover only */
  size_t norder;
  uint64_t edits; /* LspFeatures.edits when the graph was built */
  LintConfig *lint;   /* the project's [retort] lint settings; NULL when they are broken */
  LintSchemaCache *schemas; /* the schema before each open file, while its ancestors hold */
  char *lint_error;   /* why, reported on every open revision file of the project */
} LspProject;

/* One open document. Its Revision borrows nothing from the text (the parser copies). */
typedef struct LspDoc {
  char *uri;
  char *path; /* absolute, directory resolved with realpath; NULL for non-file URIs */
  int64_t version;
  Buf text;
  TSTree *tree; /* the last parse, edited as changes arrive; NULL before the first */
  Arena *arena; /* owns rev and what it points to; reset on each reparse */
  Revision *rev;
  FindingList parse_findings;
  bool dirty;          /* the text changed since the last parse */
  uint64_t parsed_at;  /* LspFeatures.parses at the last parse */
  LspProject *project; /* NULL when no project was found */
  bool is_revision;    /* set by the last analysis of its project */
  char *published;     /* the diagnostics last sent (JSON array), NULL when none */
} LspDoc;

struct LspFeatures {
  char *default_project;
  RevParser *parser;
  VEC(LspDoc *) docs;
  VEC(LspProject *) projects;
  uint64_t edits; /* bumped by every open, change and close */
  uint64_t parses; /* bumped by every reparse of a document */
  size_t graph_builds, graph_replaced;
  size_t incremental;
  LspServerInfo info;
};

/* ---- URIs ------------------------------------------------------------------------ */

static int lsp__hex(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

char *lsp_uri_to_path(const char *uri) {
  if (!uri || strncmp(uri, "file://", 7) != 0) return NULL;
  const char *p = uri + 7;
  if (strncmp(p, "localhost/", 10) == 0) p += 9;
  if (*p != '/') return NULL;
  Buf b = BUF_INIT;
  for (; *p && *p != '?' && *p != '#'; p++) {
    if (*p == '%') {
      int hi = lsp__hex(p[1]), lo = hi >= 0 ? lsp__hex(p[2]) : -1;
      if (lo < 0 || (hi == 0 && lo == 0)) {
        buf_free(&b);
        return NULL;
      }
      buf_putc(&b, (char)(hi * 16 + lo));
      p += 2;
    } else {
      buf_putc(&b, *p);
    }
  }
  return buf_detach(&b);
}

char *lsp_path_to_uri(const char *path) {
  Buf b = BUF_INIT;
  buf_puts(&b, "file://");
  for (const unsigned char *p = (const unsigned char *)path; *p; p++) {
    unsigned char c = *p;
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '/' ||
        c == '-' || c == '.' || c == '_' || c == '~')
      buf_putc(&b, (char)c);
    else
      buf_printf(&b, "%%%02X", c);
  }
  return buf_detach(&b);
}

/* The path with its directory resolved (symlinks, "..") so it matches the project's
 * listing, which is built from the resolved directory alembic.ini was found in. */
static char *lsp__canonical(const char *path) {
  const char *slash = strrchr(path, '/');
  if (!slash) return xstrdup(path);
  char *dir = xstrndup(path, slash == path ? 1 : (size_t)(slash - path));
  char *real = realpath(dir, NULL);
  free(dir);
  if (!real) return xstrdup(path);
  Buf b = BUF_INIT;
  buf_puts(&b, real);
  if (strcmp(real, "/") != 0) buf_putc(&b, '/');
  buf_puts(&b, slash + 1);
  free(real);
  return buf_detach(&b);
}

/* ---- documents ----------------------------------------------------------------------- */

static const char *lsp__text(const LspDoc *d) { return d->text.data ? d->text.data : ""; }

static LspDoc *lsp__doc(LspFeatures *f, const char *uri) {
  if (!uri) return NULL;
  for (size_t i = 0; i < f->docs.len; i++)
    if (strcmp(f->docs.items[i]->uri, uri) == 0) return f->docs.items[i];
  return NULL;
}

static LspDoc *lsp__doc_by_path(LspFeatures *f, const LspProject *lp, const char *path) {
  for (size_t i = 0; i < f->docs.len; i++) {
    LspDoc *d = f->docs.items[i];
    if (d->project == lp && d->path && strcmp(d->path, path) == 0) return d;
  }
  return NULL;
}

static void lsp__doc_delete(LspDoc *d) {
  if (!d) return;
  if (d->tree) ts_tree_delete(d->tree);
  arena_delete(d->arena);
  findings_free(&d->parse_findings);
  buf_free(&d->text);
  free(d->published);
  free(d->uri);
  free(d->path);
  free(d);
}

/* Drops the project's graph: it borrows the Revisions of open documents. */
static void lsp__invalidate(LspProject *lp) {
  if (!lp) return;
  graph_delete(lp->graph);
  lp->graph = NULL;
  findings_free(&lp->problems);
  free(lp->order);
  lp->order = NULL;
  lp->norder = 0;
  free(lp->revs);
  lp->revs = NULL;
  free(lp->owners);
  lp->owners = NULL;
  lp->nrevs = 0;
}

/* A document of the project is being reparsed: what reads its old Revision goes (the
 * hover order); the graph only compares the old pointer, and lsp__analyze keeps the
 * graph through the edit when graph_replace allows, else builds a new one. */
static void lsp__touch(LspProject *lp) {
  if (!lp) return;
  free(lp->order);
  lp->order = NULL;
  lp->norder = 0;
}

static void lsp__project_delete(LspProject *lp) {
  if (!lp) return;
  lsp__invalidate(lp);
  project_free_paths(lp->paths, lp->npaths);
  scripts_set_free(&lp->scripts);
  scripts_cache_delete(lp->cache);
  project_delete(lp->project);
  lint_config_delete(lp->lint);
  lint_schema_cache_delete(lp->schemas);
  free(lp->lint_error);
  free(lp->key);
  free(lp);
}

/* Finds the document's project: alembic.ini above its directory, else the default. */
static void lsp__attach(LspFeatures *f, LspDoc *d) {
  if (!d->path) return;
  const char *slash = strrchr(d->path, '/');
  char *dir = xstrndup(d->path, slash == d->path ? 1 : (size_t)(slash - d->path));
  Project *p = NULL;
  RtError err = {0};
  bool ok = project_discover(dir, NULL, &p, &err);
  free(dir);
  if (!ok && f->default_project) ok = project_discover(f->default_project, NULL, &p, &err);
  if (!ok) return;
  const char *key = p->ini_path ? p->ini_path : p->root;
  for (size_t i = 0; i < f->projects.len; i++) {
    if (strcmp(f->projects.items[i]->key, key) == 0) {
      project_delete(p);
      d->project = f->projects.items[i];
      return;
    }
  }
  LspProject *lp = xcalloc(1, sizeof *lp);
  lp->key = xstrdup(key);
  lp->project = p;
  lp->cache = scripts_cache_new();
  lp->schemas = lint_schema_cache_new();
  RtError lerr = {0};
  if (!lint_config_from_project(p, &lp->lint, &lerr)) lp->lint_error = xstrdup(lerr.msg);
  findings_init(&lp->problems);
  vec_push(&f->projects, lp);
  d->project = lp;
}

void lsp_features_open(LspFeatures *f, const char *uri, int64_t version, const char *text,
                       size_t len) {
  lsp_features_close(f, uri);
  LspDoc *d = xcalloc(1, sizeof *d);
  d->uri = xstrdup(uri);
  char *path = lsp_uri_to_path(uri);
  if (path) {
    d->path = lsp__canonical(path);
    free(path);
  }
  d->version = version;
  buf_append(&d->text, text ? text : "", len);
  d->arena = arena_new();
  findings_init(&d->parse_findings);
  d->dirty = true;
  lsp__attach(f, d);
  vec_push(&f->docs, d);
  f->edits++;
  lsp__invalidate(d->project);
  if (d->project) d->project->looked_at = 0; // its file leaves the disk side
}

void lsp_features_close(LspFeatures *f, const char *uri) {
  for (size_t i = 0; i < f->docs.len; i++) {
    LspDoc *d = f->docs.items[i];
    if (strcmp(d->uri, uri) != 0) continue;
    lsp__invalidate(d->project);
    if (d->project) d->project->looked_at = 0; // its file joins the disk side
    lsp__doc_delete(d);
    memmove(&f->docs.items[i], &f->docs.items[i + 1], (f->docs.len - i - 1) * sizeof d);
    f->docs.len--;
    f->edits++;
    return;
  }
}

const char *lsp_features_text(LspFeatures *f, const char *uri, size_t *len) {
  LspDoc *d = lsp__doc(f, uri);
  if (!d) return NULL;
  if (len) *len = d->text.len;
  return lsp__text(d);
}

/* Tree-sitter's point (0-based row, byte column) of a byte offset. */
static TSPoint lsp__point(const char *t, size_t off) {
  TSPoint p = {0, 0};
  size_t line_start = 0;
  for (const char *q = t, *nl; (nl = memchr(q, '\n', (size_t)(t + off - q))) != NULL; q = nl + 1) {
    p.row++;
    line_start = (size_t)(nl - t) + 1;
  }
  p.column = (uint32_t)(off - line_start);
  return p;
}

bool lsp_features_change(LspFeatures *f, const char *uri, int64_t version,
                         const LspTextChange *changes, size_t n, LspPositionEncoding enc,
                         RtError *err) {
  LspDoc *d = lsp__doc(f, uri);
  if (!d) return error_set(err, ERR_NOT_FOUND, "document %s is not open (didOpen first)", uri);
  for (size_t k = 0; k < n; k++) {
    const LspTextChange *c = &changes[k];
    const char *ct = c->text ? c->text : "";
    if (!c->has_range) {
      buf_reset(&d->text);
      buf_append(&d->text, ct, c->len);
      if (d->tree) ts_tree_delete(d->tree);
      d->tree = NULL; // nothing of the old tree is known to survive
      continue;
    }
    const char *t = lsp__text(d);
    size_t len = d->text.len;
    size_t a = lsp_position_to_offset(t, len, c->start_line, c->start_character, enc);
    size_t b = lsp_position_to_offset(t, len, c->end_line, c->end_character, enc);
    if (b < a) b = a;
    TSPoint pa = lsp__point(t, a), pb = lsp__point(t, b), pn = pa;
    for (size_t i = 0; i < c->len; i++) {
      if (ct[i] == '\n') {
        pn.row++;
        pn.column = 0;
      } else {
        pn.column++;
      }
    }
    Buf nb = BUF_INIT;
    buf_append(&nb, t, a);
    buf_append(&nb, ct, c->len);
    buf_append(&nb, t + b, len - b);
    buf_free(&d->text);
    d->text = nb;
    if (d->tree) {
      TSInputEdit e = {(uint32_t)a, (uint32_t)b, (uint32_t)(a + c->len), pa, pb, pn};
      ts_tree_edit(d->tree, &e);
    }
  }
  d->version = version;
  d->dirty = true;
  f->edits++;
  lsp__touch(d->project);
  return true;
}

static void lsp__parse(LspFeatures *f, LspDoc *d) {
  if (!d->dirty) return;
  findings_free(&d->parse_findings);
  findings_init(&d->parse_findings);
  arena_reset(d->arena);
  d->parsed_at = ++f->parses;
  if (d->tree) f->incremental++;
  d->rev = revision_parse_incremental(f->parser, d->arena, d->path, lsp__text(d), d->text.len,
                                      REV_PARSE_FULL, &d->tree, &d->parse_findings);
  d->dirty = false;
}

size_t lsp_features_incremental_parses(const LspFeatures *f) { return f->incremental; }

void lsp_features_graph_stats(const LspFeatures *f, size_t *builds, size_t *replaced) {
  *builds = f->graph_builds;
  *replaced = f->graph_replaced;
}

void lsp_features_schema_cache_stats(const LspFeatures *f, size_t *hits, size_t *misses) {
  *hits = *misses = 0;
  for (size_t i = 0; i < f->projects.len; i++) {
    size_t h, m;
    lint_schema_cache_stats(f->projects.items[i]->schemas, &h, &m);
    *hits += h;
    *misses += m;
  }
}

const Revision *lsp_features_revision(LspFeatures *f, const char *uri) {
  LspDoc *d = lsp__doc(f, uri);
  if (!d) return NULL;
  if (d->dirty) lsp__touch(d->project); // the Revision is replaced here
  lsp__parse(f, d);
  return d->rev;
}

/* ---- analysis ------------------------------------------------------------------------ */

/* A file that is not on disk yet but would be a revision file once saved. */
static bool lsp__in_version_dir(const Project *p, const char *path) {
  const char *slash = strrchr(path, '/');
  if (!slash) return false;
  const char *base = slash + 1;
  size_t n = strlen(base);
  if (n < 3 || strcmp(base + n - 3, ".py") != 0 || strncmp(base, "__init__", 8) == 0 ||
      strncmp(base, ".#", 2) == 0)
    return false;
  size_t dn = (size_t)(slash - path);
  for (size_t i = 0; i < p->nversion_locations; i++) {
    const char *v = p->version_locations[i];
    size_t vn = strlen(v);
    while (vn > 1 && v[vn - 1] == '/') vn--;
    if (vn == dn && strncmp(v, path, dn) == 0) return true;
  }
  return false;
}

static int64_t lsp__now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Re-lists the project's revision files and loads those that are not open through the
 * cache. Returns how many files were parsed (0: the disk side is unchanged). */
static size_t lsp__look_at_disk(LspFeatures *f, LspProject *lp) {
  char **paths = NULL;
  size_t n = 0;
  RtError err = {0};
  if (!project_list_revision_files(lp->project, &paths, &n, &err)) {
    // A versions directory that vanished: the open documents alone still get checked.
    fprintf(stderr, "retort: lsp: %s\n", err.msg);
    paths = NULL;
    n = 0;
  }
  const char **load = xmalloc((n + 1) * sizeof *load);
  size_t nload = 0;
  for (size_t i = 0; i < n; i++)
    if (!lsp__doc_by_path(f, lp, paths[i])) load[nload++] = paths[i];
  ScriptSet set;
  memset(&set, 0, sizeof set);
  // Full parses: the review rules fold every ancestor's ops into the schema before a file.
  if (!scripts_load(lp->cache, load, nload, REV_PARSE_FULL, &set, &err))
    fprintf(stderr, "retort: lsp: %s\n", err.msg);
  free(load);
  // The old set's Revisions that are still listed are the same objects; the rest were
  // evicted by this load. The graph is rebuilt below whenever anything was.
  bool same_list = n == lp->npaths;
  for (size_t i = 0; same_list && i < n; i++) same_list = strcmp(paths[i], lp->paths[i]) == 0;
  size_t parsed = set.parsed + (same_list ? 0 : 1);
  project_free_paths(lp->paths, lp->npaths);
  lp->paths = paths;
  lp->npaths = n;
  scripts_set_free(&lp->scripts);
  lp->scripts = set;
  lp->looked_at = lsp__now_ns();
  return parsed;
}

/* Brings the project's graph up to date: open documents reparsed, the files on disk
 * looked at (always with `disk`, else when the last look is older than
 * LSP_DISK_RECHECK_NS), the graph rebuilt unless nothing changed. */
static void lsp__analyze(LspFeatures *f, LspProject *lp, bool disk) {
  for (size_t i = 0; i < f->docs.len; i++) {
    LspDoc *d = f->docs.items[i];
    if (d->project != lp) continue;
    lsp__parse(f, d);
    d->is_revision = false;
  }
  size_t parsed = 0;
  if (disk || !lp->looked_at || lsp__now_ns() - lp->looked_at > LSP_DISK_RECHECK_NS)
    parsed = lsp__look_at_disk(f, lp);

  const ScriptSet *set = &lp->scripts;
  size_t cap = lp->npaths + f->docs.len + 1;
  Revision **revs = xmalloc(cap * sizeof *revs);
  const void **owners = xmalloc(cap * sizeof *owners);
  bool *fresh = xcalloc(cap, sizeof *fresh); // an open document reparsed since the graph
  size_t nr = 0, j = 0;
  for (size_t i = 0; i < lp->npaths; i++) {
    LspDoc *d = lsp__doc_by_path(f, lp, lp->paths[i]);
    // The last look may predate the document's opening: its file is then in the set.
    bool loaded = j < set->n && strcmp(set->revs[j]->path, lp->paths[i]) == 0;
    if (d) {
      j += loaded;
      d->is_revision = true;
      if (d->rev) {
        fresh[nr] = d->parsed_at > lp->built_at;
        owners[nr] = d;
        revs[nr++] = d->rev;
      }
    } else if (loaded) {
      owners[nr] = set->revs[j];
      revs[nr++] = set->revs[j++];
    }
  }
  for (size_t i = 0; i < f->docs.len; i++) {
    LspDoc *d = f->docs.items[i];
    if (d->project != lp || d->is_revision || !d->path) continue;
    if (!lsp__in_version_dir(lp->project, d->path)) continue;
    d->is_revision = true;
    if (d->rev) {
      fresh[nr] = d->parsed_at > lp->built_at;
      owners[nr] = d;
      revs[nr++] = d->rev;
    }
  }

  // The same files in the same places, nothing new on disk: the graph holds, through the
  // documents reparsed since when graph_replace allows (an edit of a body, as typing is).
  bool same = lp->graph && parsed == 0 && nr == lp->nrevs;
  for (size_t i = 0; same && i < nr; i++) {
    if (owners[i] != lp->owners[i]) same = false;
    else if (!fresh[i]) same = revs[i] == lp->revs[i];
    else if ((same = graph_replace(lp->graph, revs[i]))) f->graph_replaced++;
  }
  free(fresh);
  if (same) {
    free(lp->revs);
    free(lp->owners);
    lp->revs = revs;
    lp->owners = owners;
    lp->built_at = f->parses;
    lp->edits = f->edits;
    return;
  }
  lsp__invalidate(lp);
  lp->revs = revs;
  lp->owners = owners;
  lp->nrevs = nr;
  findings_init(&lp->problems);
  lp->graph = graph_build(lp->revs, lp->nrevs, &lp->problems);
  f->graph_builds++;
  lp->built_at = f->parses;
  lp->edits = f->edits;
}

/* Copies one finding into `out` (strings into out's arena). */
static void lsp__copy_finding(FindingList *out, const Finding *src) {
  Finding *d =
      findings_add(out, src->rule, src->severity, src->path, src->range, "%s", src->message);
  if (src->help) d->help = arena_strdup(out->arena, src->help);
  if (src->fix) d->fix = arena_strdup(out->arena, src->fix);
}

/* Every finding about one analysed document. This is the single place findings come
 * from, for diagnostics and code actions alike. */
static void lsp__doc_findings(const LspProject *lp, const LspDoc *d, FindingList *out) {
  for (size_t i = 0; i < d->parse_findings.len; i++)
    lsp__copy_finding(out, &d->parse_findings.items[i]);
  for (size_t i = 0; i < lp->problems.len; i++) {
    const Finding *p = &lp->problems.items[i];
    if (p->path && strcmp(p->path, d->path) == 0) lsp__copy_finding(out, p);
  }
  // "multiple-heads" is about the graph, not a file: each open head gets it on its id.
  size_t nh = 0;
  Revision *const *heads = graph_heads(lp->graph, &nh);
  for (size_t i = 0; nh > 1 && i < nh; i++) {
    if (heads[i] != d->rev) continue;
    Buf list = BUF_INIT;
    for (size_t k = 0; k < nh; k++) buf_printf(&list, "%s%s", k ? ", " : "", heads[k]->id);
    findings_add(out, "multiple-heads", SEV_WARNING, d->path, d->rev->id_range,
                 "Multiple heads are present: %s (this revision is one of them; merge them "
                 "with `alembic merge heads` or rebase it onto the other head)",
                 buf_cstr(&list));
    buf_free(&list);
  }
  // Review findings: the same rules as review_migration, over the unsaved text.
  if (lp->lint && lp->graph) {
    Revision *rev = d->rev;
    LintSource src = {lsp__text(d), d->text.len};
    RtError err = {0};
    lint_revisions_cached(lp->schemas, lp->lint, lp->graph, &rev, 1, &src, out, &err);
  } else if (lp->lint_error) {
    SrcRange top = srcrange_from_bytes(lsp__text(d), d->text.len, 0, 0);
    findings_add(out, "config", SEV_ERROR, d->path, top,
                 "the [retort] settings cannot be read, so no review rules ran: %s",
                 lp->lint_error);
  }
  findings_sort(out);
}

bool lsp_features_findings(LspFeatures *f, const char *uri, FindingList *out) {
  LspDoc *d = lsp__doc(f, uri);
  if (!d || !d->project) return false;
  lsp__analyze(f, d->project, false);
  if (!d->is_revision || !d->rev) return false;
  lsp__doc_findings(d->project, d, out);
  return true;
}

/* ---- JSON ---------------------------------------------------------------------------- */

static void lsp__write_position(JsonWriter *w, const char *t, size_t len, size_t off,
                                LspPositionEncoding enc) {
  uint32_t line, ch;
  lsp_offset_to_position(t, len, off, enc, &line, &ch);
  jw_object_begin(w);
  jw_kv_int(w, "line", line);
  jw_kv_int(w, "character", ch);
  jw_object_end(w);
}

static void lsp__write_range(JsonWriter *w, const char *t, size_t len, size_t a, size_t b,
                             LspPositionEncoding enc) {
  jw_object_begin(w);
  jw_key(w, "start");
  lsp__write_position(w, t, len, a, enc);
  jw_key(w, "end");
  lsp__write_position(w, t, len, b, enc);
  jw_object_end(w);
}

/* A finding's range as byte offsets (nowhere: the start of the file). */
static void lsp__finding_bytes(const Finding *fd, size_t *a, size_t *b) {
  *a = fd->range.line ? fd->range.start_byte : 0;
  *b = fd->range.line ? fd->range.end_byte : 0;
  if (*b < *a) *b = *a;
}

static void lsp__write_diagnostic(JsonWriter *w, const LspDoc *d, const Finding *fd,
                                  LspPositionEncoding enc) {
  size_t a, b;
  lsp__finding_bytes(fd, &a, &b);
  jw_object_begin(w);
  jw_key(w, "range");
  lsp__write_range(w, lsp__text(d), d->text.len, a, b, enc);
  jw_kv_int(w, "severity", fd->severity == SEV_ERROR ? 1 : fd->severity == SEV_WARNING ? 2 : 3);
  jw_kv_string(w, "code", fd->rule);
  jw_kv_string(w, "source", "retort");
  jw_kv_string(w, "message", fd->message);
  jw_object_end(w);
}

/* Sends the document's diagnostics when they differ from what was last sent (or always,
 * with `force`). A document that stopped being a revision file gets an empty list. */
static void lsp__publish(const LspProject *lp, LspDoc *d, LspPositionEncoding enc, RpcPeer *peer,
                         bool force) {
  Buf diags = BUF_INIT;
  JsonWriter w;
  jw_init(&w, &diags);
  jw_array_begin(&w);
  if (d->is_revision && d->rev) {
    FindingList fl;
    findings_init(&fl);
    lsp__doc_findings(lp, d, &fl);
    for (size_t i = 0; i < fl.len; i++) lsp__write_diagnostic(&w, d, &fl.items[i], enc);
    findings_free(&fl);
  } else if (!d->published) {
    buf_free(&diags);
    return; // never a revision file: nothing to say
  }
  jw_array_end(&w);
  if (!force && d->published && strcmp(d->published, buf_cstr(&diags)) == 0) {
    buf_free(&diags);
    return;
  }
  Buf params = BUF_INIT;
  jw_init(&w, &params);
  jw_object_begin(&w);
  jw_kv_string(&w, "uri", d->uri);
  jw_kv_int(&w, "version", d->version);
  jw_key(&w, "diagnostics");
  jw_raw(&w, diags.data, diags.len);
  jw_object_end(&w);
  RtError err = {0};
  if (peer && !rpc_peer_notify(peer, "textDocument/publishDiagnostics", buf_cstr(&params), &err))
    fprintf(stderr, "retort: lsp: %s\n", err.msg);
  buf_free(&params);
  free(d->published);
  d->published = buf_detach(&diags);
}

/* Re-analyses the project of `changed` and publishes: always for `changed`, for the other
 * open documents of the project only when their diagnostics changed (a new second head
 * elsewhere, a parent that appeared). */
static void lsp__publish_project(LspFeatures *f, LspProject *lp, LspDoc *changed, bool disk,
                                 LspPositionEncoding enc, RpcPeer *peer) {
  if (!lp) return;
  lsp__analyze(f, lp, disk);
  for (size_t i = 0; i < f->docs.len; i++) {
    LspDoc *d = f->docs.items[i];
    if (d->project == lp) lsp__publish(lp, d, enc, peer, d == changed);
  }
}

static const char *lsp__uri(const Json *params) {
  return json_get_string(json_get(params, "textDocument"), "uri");
}

static bool lsp__u32(const Json *obj, const char *key, uint32_t *out) {
  int64_t v;
  if (!json_is_integer(json_get(obj, key), &v) || v < 0 || v > UINT32_MAX) return false;
  *out = (uint32_t)v;
  return true;
}

static bool lsp__read_position(const Json *pos, uint32_t *line, uint32_t *ch) {
  return pos && pos->type == JSON_OBJECT && lsp__u32(pos, "line", line) &&
         lsp__u32(pos, "character", ch);
}

static int lsp__bad_params(RtError *err, const char *method, const char *what) {
  error_set(err, ERR_PARAMS, "%s: %s", method, what);
  return RPC_INVALID_PARAMS;
}

/* ---- handlers ------------------------------------------------------------------------ */

static int lsp__did_open(void *ctx, LspSession *s, RpcCall *call, RtError *err) {
  LspFeatures *f = ctx;
  const Json *td = json_get(call->msg->params, "textDocument");
  const char *uri = json_get_string(td, "uri");
  const Json *text = json_get(td, "text");
  int64_t version = 0;
  if (!uri || !text || text->type != JSON_STRING)
    return lsp__bad_params(err, "didOpen", "textDocument.uri and textDocument.text are required");
  json_is_integer(json_get(td, "version"), &version);
  lsp_features_open(f, uri, version, text->str, text->len);
  LspDoc *d = lsp__doc(f, uri);
  lsp__publish_project(f, d->project, d, true, lsp_session_encoding(s), call->peer);
  return 0;
}

static int lsp__did_change(void *ctx, LspSession *s, RpcCall *call, RtError *err) {
  LspFeatures *f = ctx;
  const Json *params = call->msg->params;
  const char *uri = lsp__uri(params);
  const Json *list = json_get(params, "contentChanges");
  if (!uri || !list || list->type != JSON_ARRAY)
    return lsp__bad_params(err, "didChange", "textDocument.uri and contentChanges are required");
  int64_t version = 0;
  json_is_integer(json_get(json_get(params, "textDocument"), "version"), &version);
  LspTextChange *changes = ARENA_ARRAY(call->arena, LspTextChange, list->n + 1);
  for (size_t i = 0; i < list->n; i++) {
    const Json *c = list->items[i];
    const Json *text = json_get(c, "text");
    if (!text || text->type != JSON_STRING)
      return lsp__bad_params(err, "didChange", "each content change needs a text");
    changes[i].text = text->str;
    changes[i].len = text->len;
    const Json *range = json_get(c, "range");
    if (!range) continue;
    changes[i].has_range = true;
    if (!lsp__read_position(json_get(range, "start"), &changes[i].start_line,
                            &changes[i].start_character) ||
        !lsp__read_position(json_get(range, "end"), &changes[i].end_line,
                            &changes[i].end_character))
      return lsp__bad_params(err, "didChange", "a range needs start and end positions");
  }
  LspPositionEncoding enc = lsp_session_encoding(s);
  if (!lsp_features_change(f, uri, version, changes, list->n, enc, err)) return RPC_INVALID_PARAMS;
  LspDoc *d = lsp__doc(f, uri);
  lsp__publish_project(f, d->project, d, false, enc, call->peer);
  return 0;
}

static int lsp__did_save(void *ctx, LspSession *s, RpcCall *call, RtError *err) {
  LspFeatures *f = ctx;
  LspDoc *d = lsp__doc(f, lsp__uri(call->msg->params));
  if (!d) return 0;
  const Json *text = json_get(call->msg->params, "text");
  if (text && text->type == JSON_STRING) {
    LspTextChange whole = {.text = text->str, .len = text->len};
    lsp_features_change(f, d->uri, d->version, &whole, 1, lsp_session_encoding(s), err);
  }
  lsp__publish_project(f, d->project, d, true, lsp_session_encoding(s), call->peer);
  return 0;
}

static int lsp__did_close(void *ctx, LspSession *s, RpcCall *call, RtError *err) {
  LspFeatures *f = ctx;
  LspDoc *d = lsp__doc(f, lsp__uri(call->msg->params));
  if (!d) return 0;
  LspProject *lp = d->project;
  if (d->published && strcmp(d->published, "[]") != 0) {
    // The editor keeps a closed file's diagnostics until told otherwise.
    Buf params = BUF_INIT;
    JsonWriter w;
    jw_init(&w, &params);
    jw_object_begin(&w);
    jw_kv_string(&w, "uri", d->uri);
    jw_key(&w, "diagnostics");
    jw_array_begin(&w);
    jw_array_end(&w);
    jw_object_end(&w);
    if (call->peer &&
        !rpc_peer_notify(call->peer, "textDocument/publishDiagnostics", buf_cstr(&params), err))
      fprintf(stderr, "retort: lsp: %s\n", err->msg);
    buf_free(&params);
  }
  lsp_features_close(f, d->uri);
  // The file on disk takes the closed buffer's place: other documents may change.
  lsp__publish_project(f, lp, NULL, true, lsp_session_encoding(s), call->peer);
  return 0;
}

/* Which revision id the byte offset is on in the document's own Revision: 0 the
 * `revision` value, 1 a down_revision element, 2 a depends_on element; -1 none. */
static int lsp__id_at(const Revision *r, size_t off, const char **id, SrcRange *range) {
  if (r->id && r->id_range.line && off >= r->id_range.start_byte && off <= r->id_range.end_byte) {
    *id = r->id;
    *range = r->id_range;
    return 0;
  }
  for (size_t k = 0; r->down_ranges && k < r->ndown; k++) {
    SrcRange g = r->down_ranges[k];
    if (g.line && off >= g.start_byte && off <= g.end_byte) {
      *id = r->down[k];
      *range = g;
      return 1;
    }
  }
  for (size_t k = 0; r->depends_on_ranges && k < r->ndepends_on; k++) {
    SrcRange g = r->depends_on_ranges[k];
    if (g.line && off >= g.start_byte && off <= g.end_byte) {
      *id = r->depends_on[k];
      *range = g;
      return 2;
    }
  }
  return -1;
}

/* The analysed open revision document a position request is about, and the id under
 * the cursor; NULL when there is none (the result is then null). */
static LspDoc *lsp__target(LspFeatures *f, LspSession *s, const Json *params, const char **id,
                           SrcRange *range, int *kind) {
  LspDoc *d = lsp__doc(f, lsp__uri(params));
  uint32_t line, ch;
  if (!d || !d->project || !lsp__read_position(json_get(params, "position"), &line, &ch))
    return NULL;
  lsp__analyze(f, d->project, false);
  if (!d->is_revision || !d->rev) return NULL;
  size_t off = lsp_position_to_offset(lsp__text(d), d->text.len, line, ch, lsp_session_encoding(s));
  *kind = lsp__id_at(d->rev, off, id, range);
  return *kind < 0 ? NULL : d;
}

static void lsp__md_ids(Buf *md, const char *const *ids, size_t n, const char *none) {
  if (!n) buf_puts(md, none);
  for (size_t i = 0; i < n; i++) buf_printf(md, "%s`%s`", i ? ", " : "", ids[i]);
}

static void lsp__hover_markdown(LspProject *lp, const char *id, Buf *md) {
  Revision *r = graph_get(lp->graph, id);
  GraphRevInfo info;
  if (!r || !graph_info(lp->graph, r, &info)) {
    buf_printf(md,
               "**Revision `%s`** is not present in this project: no revision file "
               "declares it.",
               id);
    return;
  }
  buf_printf(md, "**Revision `%s`**", r->id);
  if (strcmp(r->id, id) != 0) buf_printf(md, " (branch label `%s`)", id);
  if (r->message && *r->message) buf_printf(md, " — %s", r->message);
  buf_puts(md, "\n\n- Parents: ");
  lsp__md_ids(md, r->down, r->ndown, "none (a base)");
  buf_puts(md, "\n- Children: ");
  lsp__md_ids(md, info.children, info.nchildren, "none");
  if (r->ndepends_on) {
    buf_puts(md, "\n- Depends on: ");
    lsp__md_ids(md, r->depends_on, r->ndepends_on, "");
  }
  if (info.nbranch_labels) {
    buf_puts(md, "\n- Branch labels: ");
    lsp__md_ids(md, info.branch_labels, info.nbranch_labels, "");
  }
  const char *kinds[4];
  size_t nk = 0;
  if (info.is_head) kinds[nk++] = "head";
  if (info.is_base) kinds[nk++] = "base";
  if (info.is_branch_point) kinds[nk++] = "branch point";
  if (info.is_merge_point) kinds[nk++] = "merge point";
  if (nk) {
    buf_puts(md, "\n- Is: ");
    for (size_t i = 0; i < nk; i++) buf_printf(md, "%s%s", i ? ", " : "", kinds[i]);
  }
  RtError err = {0};
  if (!lp->order && !graph_history(lp->graph, NULL, &lp->order, &lp->norder, &err)) {
    lp->order = NULL;
    lp->norder = 0;
  }
  for (size_t i = 0; i < lp->norder; i++) {
    if (lp->order[i] != r) continue;
    // history lists heads first: the position from base counts from the end.
    buf_printf(md, "\n- Position: %zu of %zu from base", lp->norder - i, lp->norder);
    break;
  }
  if (r->path) {
    const char *slash = strrchr(r->path, '/');
    buf_printf(md, "\n- File: `%s`", slash ? slash + 1 : r->path);
  }
}

static int lsp__hover(void *ctx, LspSession *s, RpcCall *call, RtError *err) {
  LspFeatures *f = ctx;
  const char *id = NULL;
  SrcRange range;
  int kind;
  LspDoc *d = lsp__target(f, s, call->msg->params, &id, &range, &kind);
  if (!d) return 0; // null
  Buf md = BUF_INIT;
  lsp__hover_markdown(d->project, id, &md);
  JsonWriter w;
  jw_init(&w, call->result);
  jw_object_begin(&w);
  jw_key(&w, "contents");
  jw_object_begin(&w);
  jw_kv_string(&w, "kind", "markdown");
  jw_kv_string(&w, "value", buf_cstr(&md));
  jw_object_end(&w);
  jw_key(&w, "range");
  lsp__write_range(&w, lsp__text(d), d->text.len, range.start_byte, range.end_byte,
                   lsp_session_encoding(s));
  jw_object_end(&w);
  buf_free(&md);
  return 0;
}

/* The whole file, or NULL (unreadable or too big). */
static char *lsp__read_file(const char *path, size_t *len) {
  FILE *fp = fopen(path, "rb");
  if (!fp) return NULL;
  Buf b = BUF_INIT;
  char chunk[65536];
  size_t n;
  while ((n = fread(chunk, 1, sizeof chunk, fp)) > 0 && b.len <= LSP_MAX_FILE)
    buf_append(&b, chunk, n);
  bool bad = ferror(fp) || b.len > LSP_MAX_FILE;
  fclose(fp);
  if (bad) {
    buf_free(&b);
    return NULL;
  }
  *len = b.len;
  return b.data ? buf_detach(&b) : xstrdup("");
}

static int lsp__definition(void *ctx, LspSession *s, RpcCall *call, RtError *err) {
  LspFeatures *f = ctx;
  const char *id = NULL;
  SrcRange range;
  int kind;
  LspDoc *d = lsp__target(f, s, call->msg->params, &id, &range, &kind);
  if (!d || kind == 0) return 0;
  Revision *r = graph_get(d->project->graph, id);
  if (!r || !r->path) return 0;
  // The target's text: the open buffer when there is one, else the file.
  LspDoc *open = lsp__doc_by_path(f, d->project, r->path);
  char *owned = NULL;
  const char *text;
  size_t len = 0;
  if (open) {
    text = lsp__text(open);
    len = open->text.len;
  } else {
    text = owned = lsp__read_file(r->path, &len);
    if (!text) text = "", len = 0;
  }
  // From the start of the `revision = ...` line to the end of the id's literal.
  size_t a = 0, b = 0;
  if (r->id_range.line && r->id_range.end_byte <= len) {
    a = r->id_range.start_byte;
    while (a > 0 && text[a - 1] != '\n') a--;
    b = r->id_range.end_byte;
  }
  char *uri = open ? xstrdup(open->uri) : lsp_path_to_uri(r->path);
  JsonWriter w;
  jw_init(&w, call->result);
  jw_object_begin(&w);
  jw_kv_string(&w, "uri", uri);
  jw_key(&w, "range");
  lsp__write_range(&w, text, len, a, b, lsp_session_encoding(s));
  jw_object_end(&w);
  free(uri);
  free(owned);
  return 0;
}

static int lsp__code_action(void *ctx, LspSession *s, RpcCall *call, RtError *err) {
  LspFeatures *f = ctx;
  const Json *params = call->msg->params;
  const Json *range = json_get(params, "range");
  uint32_t sl, sc, el, ec; // only the lines matter
  if (!lsp__read_position(json_get(range, "start"), &sl, &sc) ||
      !lsp__read_position(json_get(range, "end"), &el, &ec))
    return lsp__bad_params(err, "codeAction", "textDocument.uri and range are required");
  JsonWriter w;
  jw_init(&w, call->result);
  jw_array_begin(&w);
  LspDoc *d = lsp__doc(f, lsp__uri(params));
  FindingList fl;
  findings_init(&fl);
  if (d && lsp_features_findings(f, d->uri, &fl)) {
    LspPositionEncoding enc = lsp_session_encoding(s);
    const char *t = lsp__text(d);
    for (size_t i = 0; i < fl.len; i++) {
      const Finding *fd = &fl.items[i];
      size_t fa, fb;
      lsp__finding_bytes(fd, &fa, &fb);
      // Offered on every line the finding spans, as editors ask with the cursor's range.
      uint32_t fl0 = fd->range.line ? fd->range.line - 1 : 0;
      uint32_t fl1 = fd->range.line ? fd->range.end_line - 1 : 0;
      if (!fd->fix || fl0 > el || fl1 < sl) continue;
      jw_object_begin(&w);
      // Name the replacement when it is short enough to read in a menu.
      const char *fix = fd->fix;
      while (*fix == ' ') fix++;
      char *title = strlen(fix) <= 60 && !strchr(fix, '\n')
                        ? arena_printf(call->arena, "Fix %s: write '%s'", fd->rule, fix)
                        : arena_printf(call->arena, "Fix %s", fd->rule);
      jw_kv_string(&w, "title", title);
      jw_kv_string(&w, "kind", "quickfix");
      jw_kv_bool(&w, "isPreferred", true);
      jw_key(&w, "diagnostics");
      jw_array_begin(&w);
      lsp__write_diagnostic(&w, d, fd, enc);
      jw_array_end(&w);
      jw_key(&w, "edit");
      jw_object_begin(&w);
      jw_key(&w, "changes");
      jw_object_begin(&w);
      jw_key(&w, d->uri);
      jw_array_begin(&w);
      jw_object_begin(&w);
      jw_key(&w, "range");
      lsp__write_range(&w, t, d->text.len, fa, fb, enc);
      jw_kv_string(&w, "newText", fd->fix);
      jw_object_end(&w);
      jw_array_end(&w);
      jw_object_end(&w);
      jw_object_end(&w);
      jw_object_end(&w);
    }
  }
  findings_free(&fl);
  jw_array_end(&w);
  return 0;
}

static const LspMethod LSP_METHODS[] = {
    {"textDocument/didOpen", lsp__did_open},
    {"textDocument/didChange", lsp__did_change},
    {"textDocument/didSave", lsp__did_save},
    {"textDocument/didClose", lsp__did_close},
    {"textDocument/hover", lsp__hover},
    {"textDocument/definition", lsp__definition},
    {"textDocument/codeAction", lsp__code_action},
};

static const char LSP_CAPABILITIES[] =
    "\"hoverProvider\":true,\"definitionProvider\":true,"
    "\"codeActionProvider\":{\"codeActionKinds\":[\"quickfix\"]}";

LspFeatures *lsp_features_new(const char *project) {
  LspFeatures *f = xcalloc(1, sizeof *f);
  f->default_project = project ? xstrdup(project) : NULL;
  f->parser = revparser_new();
  f->info = (LspServerInfo){"retort",
                            RETORT_VERSION,
                            LSP_METHODS,
                            sizeof LSP_METHODS / sizeof LSP_METHODS[0],
                            LSP_CAPABILITIES,
                            f,
                            true};
  return f;
}

void lsp_features_delete(LspFeatures *f) {
  if (!f) return;
  for (size_t i = 0; i < f->docs.len; i++) lsp__doc_delete(f->docs.items[i]);
  vec_free(&f->docs);
  for (size_t i = 0; i < f->projects.len; i++) lsp__project_delete(f->projects.items[i]);
  vec_free(&f->projects);
  revparser_delete(f->parser);
  free(f->default_project);
  free(f);
}

const LspServerInfo *lsp_features_info(LspFeatures *f) { return &f->info; }
