/* tsquery.c - our tree-sitter queries compiled once, and their predicates evaluated here
 * (libtree-sitter 0.20 returns them as steps and evaluates none). */
#include "server/alembic/tsquery.h"

#include <pthread.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/base/embed.h"
#include "server/base/mem.h"

const TSLanguage *tree_sitter_python(void);
extern const EmbeddedFile retort_queries[];

typedef enum PredOp { PRED_EQ, PRED_NOT_EQ, PRED_ANY_OF, PRED_MATCH } PredOp;

/* One predicate: `(#op? @capture arg...)`; an argument is a string or another capture. */
typedef struct Pred {
  PredOp op;
  uint32_t capture;
  const char **strings;  /* string arguments (with lengths) */
  uint32_t *lens;
  size_t nstrings;
  bool other_is_capture; /* #eq? @a @b */
  uint32_t other;
  regex_t re;            /* PRED_MATCH */
} Pred;

struct TsQuery {
  const char *name;
  TSQuery *ts;
  Pred **preds;          /* per pattern */
  uint32_t *npreds;
};

static void tsquery__die(const char *name, const char *what) {
  fprintf(stderr, "retort: query %s: %s\n", name, what);
  abort();
}

static TsQuery *tsquery__compile(const char *name) {
  const EmbeddedFile *f = embed_find(retort_queries, name);
  if (!f) tsquery__die(name, "not embedded (grammars/queries/)");
  uint32_t off = 0;
  TSQueryError e = TSQueryErrorNone;
  TSQuery *ts = ts_query_new(tree_sitter_python(), f->data, (uint32_t)f->len, &off, &e);
  if (!ts) {
    char msg[96];
    snprintf(msg, sizeof msg, "does not compile: error %d at byte %u", (int)e, off);
    tsquery__die(name, msg);
  }
  TsQuery *q = xcalloc(1, sizeof *q);
  q->name = f->name;
  q->ts = ts;
  uint32_t np = ts_query_pattern_count(ts);
  q->preds = xcalloc(np ? np : 1, sizeof *q->preds);
  q->npreds = xcalloc(np ? np : 1, sizeof *q->npreds);
  for (uint32_t p = 0; p < np; p++) {
    uint32_t nsteps;
    const TSQueryPredicateStep *st = ts_query_predicates_for_pattern(ts, p, &nsteps);
    VEC(Pred) preds = {0};
    for (uint32_t i = 0; i < nsteps;) {
      uint32_t j = i;
      while (j < nsteps && st[j].type != TSQueryPredicateStepTypeDone) j++;
      // st[i] the operator, st[i + 1] the capture, then the arguments, st[j] Done
      if (j - i < 3 || st[i].type != TSQueryPredicateStepTypeString ||
          st[i + 1].type != TSQueryPredicateStepTypeCapture)
        tsquery__die(name, "a predicate must be (#op? @capture argument...)");
      uint32_t oplen;
      const char *op = ts_query_string_value_for_id(ts, st[i].value_id, &oplen);
      Pred pr = {.capture = st[i + 1].value_id};
      if (!strcmp(op, "eq?")) pr.op = PRED_EQ;
      else if (!strcmp(op, "not-eq?")) pr.op = PRED_NOT_EQ;
      else if (!strcmp(op, "any-of?")) pr.op = PRED_ANY_OF;
      else if (!strcmp(op, "match?")) pr.op = PRED_MATCH;
      else tsquery__die(name, "unsupported predicate (eq?, not-eq?, any-of?, match?)");
      size_t nargs = j - i - 2;
      if (pr.op != PRED_ANY_OF && nargs != 1)
        tsquery__die(name, "this predicate takes one argument");
      pr.strings = xcalloc(nargs, sizeof *pr.strings);
      pr.lens = xcalloc(nargs, sizeof *pr.lens);
      for (uint32_t k = i + 2; k < j; k++) {
        if (st[k].type == TSQueryPredicateStepTypeCapture) {
          if (pr.op == PRED_ANY_OF || pr.op == PRED_MATCH)
            tsquery__die(name, "any-of? and match? take strings");
          pr.other_is_capture = true;
          pr.other = st[k].value_id;
          continue;
        }
        uint32_t len;
        const char *s = ts_query_string_value_for_id(ts, st[k].value_id, &len);
        pr.strings[pr.nstrings] = s;
        pr.lens[pr.nstrings++] = len;
      }
      if (pr.op == PRED_MATCH && regcomp(&pr.re, pr.strings[0], REG_EXTENDED | REG_NOSUB) != 0)
        tsquery__die(name, "a #match? pattern is not a POSIX extended regex");
      vec_push(&preds, pr);
      i = j + 1;
    }
    q->preds[p] = preds.items; // kept for the process's lifetime
    q->npreds[p] = (uint32_t)preds.len;
  }
  return q;
}

/* The queries, compiled once: a small fixed table (one query file per reader). */
enum { TSQUERY_MAX = 8 };
static struct {
  const char *name;
  TsQuery *q;
} tsquery__cache[TSQUERY_MAX];
static pthread_mutex_t tsquery__lock = PTHREAD_MUTEX_INITIALIZER;

const TsQuery *tsquery_get(const char *name) {
  pthread_mutex_lock(&tsquery__lock);
  TsQuery *q = NULL;
  size_t k = 0;
  for (; k < TSQUERY_MAX && tsquery__cache[k].name; k++)
    if (!strcmp(tsquery__cache[k].name, name)) q = tsquery__cache[k].q;
  if (!q) {
    if (k == TSQUERY_MAX) tsquery__die(name, "too many queries (raise TSQUERY_MAX)");
    q = tsquery__compile(name);
    tsquery__cache[k].name = q->name;
    tsquery__cache[k].q = q;
  }
  pthread_mutex_unlock(&tsquery__lock);
  return q;
}

uint32_t tsquery_capture(const TsQuery *q, const char *name) {
  uint32_t n = ts_query_capture_count(q->ts);
  for (uint32_t k = 0; k < n; k++) {
    uint32_t len;
    const char *c = ts_query_capture_name_for_id(q->ts, k, &len);
    if (strlen(name) == len && !memcmp(c, name, len)) return k;
  }
  tsquery__die(q->name, "no such capture");
  return UINT32_MAX;
}

TSNode tsquery_node(const TSQueryMatch *m, uint32_t capture) {
  for (uint16_t k = 0; k < m->capture_count; k++)
    if (m->captures[k].index == capture) return m->captures[k].node;
  TSNode none = {{0}, NULL, NULL};
  return none;
}

/* Whether the text of `n` is `s` (len bytes). */
static bool tsquery__text_is(TSNode n, const char *src, uint32_t len, const char *s,
                             uint32_t slen) {
  uint32_t a = ts_node_start_byte(n), b = ts_node_end_byte(n);
  return b <= len && b - a == slen && !memcmp(src + a, s, slen);
}

static bool tsquery__holds(const Pred *p, const TSQueryMatch *m, const char *src, uint32_t len) {
  TSNode n = tsquery_node(m, p->capture);
  if (ts_node_is_null(n)) return false;
  switch (p->op) {
  case PRED_EQ:
  case PRED_NOT_EQ: {
    bool eq;
    if (p->other_is_capture) {
      TSNode o = tsquery_node(m, p->other);
      uint32_t a = ts_node_start_byte(o), b = ts_node_end_byte(o);
      eq = !ts_node_is_null(o) && b <= len && tsquery__text_is(n, src, len, src + a, b - a);
    } else {
      eq = tsquery__text_is(n, src, len, p->strings[0], p->lens[0]);
    }
    return p->op == PRED_EQ ? eq : !eq;
  }
  case PRED_ANY_OF:
    for (size_t k = 0; k < p->nstrings; k++)
      if (tsquery__text_is(n, src, len, p->strings[k], p->lens[k])) return true;
    return false;
  case PRED_MATCH: {
    uint32_t a = ts_node_start_byte(n), b = ts_node_end_byte(n);
    if (b > len) return false;
    char small[256];
    char *text = b - a < sizeof small ? small : xmalloc(b - a + 1);
    memcpy(text, src + a, b - a);
    text[b - a] = '\0';
    bool ok = regexec(&p->re, text, 0, NULL, 0) == 0;
    if (text != small) free(text);
    return ok;
  }
  }
  return false;
}

void tsquery_run(const TsQuery *q, TSQueryCursor *cursor, TSNode node, const char *src,
                 uint32_t len, TsMatchFn fn, void *ctx) {
  ts_query_cursor_exec(cursor, q->ts, node);
  TSQueryMatch m;
  while (ts_query_cursor_next_match(cursor, &m)) {
    bool ok = true;
    for (uint32_t k = 0; ok && k < q->npreds[m.pattern_index]; k++)
      ok = tsquery__holds(&q->preds[m.pattern_index][k], &m, src, len);
    if (ok && !fn(ctx, &m)) break;
  }
}
