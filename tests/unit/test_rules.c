/* test_rules.c - the data-driven rule cases of tests/rules/<rule-id>/ (see its README.md):
 * ok_*.py gives no finding of that rule, err_*.py exactly the ones of err_*.expected. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/base/buf.h"
#include "server/base/mem.h"
#include "server/lint/lint.h"

#define RULES_DIR RETORT_SOURCE_DIR "/tests/rules"

static char *slurp(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  Buf b = BUF_INIT;
  char chunk[8192];
  size_t n;
  while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) buf_append(&b, chunk, n);
  fclose(f);
  if (len) *len = b.len;
  return b.data ? buf_detach(&b) : xstrdup("");
}

static int cmpstr(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sorted entries of `dir` whose names start with `prefix` and end with `suffix`. */
static size_t list_dir(const char *dir, const char *prefix, const char *suffix, char ***out) {
  DIR *d = opendir(dir);
  *out = NULL;
  if (!d) return 0;
  size_t n = 0, cap = 0;
  struct dirent *e;
  while ((e = readdir(d))) {
    size_t len = strlen(e->d_name), sl = strlen(suffix);
    if (strncmp(e->d_name, prefix, strlen(prefix)) || len < sl || strcmp(e->d_name + len - sl, suffix))
      continue;
    if (e->d_name[0] == '.') continue;
    if (n == cap) *out = xrealloc(*out, (cap = cap ? cap * 2 : 16) * sizeof **out);
    (*out)[n++] = xstrdup(e->d_name);
  }
  closedir(d);
  if (n) qsort(*out, n, sizeof **out, cmpstr);
  return n;
}

/* "a/b", malloc'd. */
static char *join(const char *a, const char *b) {
  Buf buf = BUF_INIT;
  buf_printf(&buf, "%s/%s", a, b);
  return buf_detach(&buf);
}

static void free_list(char **v, size_t n) {
  for (size_t k = 0; k < n; k++) free(v[k]);
  free(v);
}

/* Applies `# config: key = value` lines of the case. */
static void case_config(LintConfig *cfg, const char *src, const char *path) {
  for (const char *p = strstr(src, "# config:"); p; p = strstr(p + 1, "# config:")) {
    const char *s = p + 9, *e = strchr(s, '\n');
    if (!e) e = s + strlen(s);
    char *line = xstrndup(s, (size_t)(e - s));
    char *eq = strchr(line, '=');
    cr_assert_not_null(eq, "%s: '# config:' needs key = value", path);
    *eq = '\0';
    char *key = line, *val = eq + 1;
    while (*key == ' ') key++;
    for (char *k = eq - 1; k >= key && *k == ' '; k--) *k = '\0';
    while (*val == ' ') val++;
    RtError err = {0};
    cr_assert(lint_config_set(cfg, key, val, &err), "%s: %s", path, err.msg);
    free(line);
  }
}

/* Runs one case; returns "line:col:end_line:end_col rule\n" lines of `rule`'s findings. */
static char *run_case(const char *path, const char *rule) {
  size_t blen, clen;
  char *base = slurp(RULES_DIR "/_base.py", &blen);
  char *src = slurp(path, &clen);
  cr_assert_not_null(base);
  cr_assert_not_null(src, "cannot read %s", path);
  Arena *arena = arena_new();
  RevParser *p = revparser_new();
  FindingList parse;
  findings_init(&parse);
  Revision *revs[16];
  size_t nrevs = 0;
  revs[nrevs++] = revision_parse(p, arena, RULES_DIR "/_base.py", base, blen, REV_PARSE_FULL, &parse);
  Revision *rev = revs[nrevs++] = revision_parse(p, arena, path, src, clen, REV_PARSE_FULL, &parse);
  cr_assert(rev->syntax_ok, "%s does not parse", path);
  cr_assert_eq(rev->ndown, 1, "%s: down_revision must name one revision", path);
  // Extra revisions of the rule's directory (_*.py) join the graph.
  char *dir = xstrndup(path, (size_t)(strrchr(path, '/') - path));
  char **extra;
  size_t nextra = list_dir(dir, "_", ".py", &extra);
  char *texts[16];
  for (size_t k = 0; k < nextra && nrevs < 16; k++) {
    char *xp = arena_printf(arena, "%s/%s", dir, extra[k]);
    size_t xlen;
    texts[k] = slurp(xp, &xlen);
    revs[nrevs++] = revision_parse(p, arena, xp, texts[k], xlen, REV_PARSE_FULL, &parse);
  }
  Graph *g = graph_build(revs, nrevs, NULL);
  LintConfig *cfg = lint_config_new();
  case_config(cfg, src, path);
  FindingList out;
  findings_init(&out);
  LintSource ls = {src, clen};
  RtError err = {0};
  cr_assert(lint_revisions(cfg, g, &rev, 1, &ls, &out, &err), "%s", err.msg);
  findings_sort(&out);
  Buf b = BUF_INIT;
  for (size_t k = 0; k < out.len; k++) {
    const Finding *f = &out.items[k];
    if (strcmp(f->rule, rule) != 0) continue;
    cr_expect_not_null(f->help, "%s: finding of %s without help", path, rule);
    buf_printf(&b, "%u:%u:%u:%u %s\n", f->range.line, f->range.col, f->range.end_line,
               f->range.end_col, f->rule);
  }
  findings_free(&out);
  findings_free(&parse);
  lint_config_delete(cfg);
  graph_delete(g);
  revparser_delete(p);
  arena_delete(arena);
  for (size_t k = 0; k < nextra && k < 14; k++) free(texts[k]);
  free_list(extra, nextra);
  free(dir);
  free(base);
  free(src);
  return b.data ? buf_detach(&b) : xstrdup("");
}

Test(rules, cases) {
  char **dirs;
  size_t ndirs = list_dir(RULES_DIR, "", "", &dirs);
  bool bless = getenv("RETORT_BLESS") != NULL;
  size_t ncases = 0;
  for (size_t d = 0; d < ndirs; d++) {
    if (dirs[d][0] == '_' || strchr(dirs[d], '.')) continue;
    cr_expect_not_null(lint_rule_find(dirs[d]), "tests/rules/%s names no rule", dirs[d]);
    char *dir = join(RULES_DIR, dirs[d]);
    char **files;
    size_t nfiles = list_dir(dir, "", ".py", &files);
    for (size_t k = 0; k < nfiles; k++) {
      if (files[k][0] == '_') continue; // an extra revision of the graph, not a case
      char *path = join(dir, files[k]);
      char *got = run_case(path, dirs[d]);
      ncases++;
      if (!strncmp(files[k], "ok_", 3)) {
        cr_expect_str_eq(got, "", "%s/%s: expected no %s finding, got:\n%s", dirs[d], files[k],
                         dirs[d], got);
      } else if (!strncmp(files[k], "err_", 4)) {
        Buf eb = BUF_INIT;
        buf_printf(&eb, "%.*s.expected", (int)(strlen(path) - 3), path);
        char *exp_path = buf_detach(&eb);
        if (bless) {
          FILE *f = fopen(exp_path, "w");
          cr_assert_not_null(f);
          fputs(got, f);
          fclose(f);
        }
        char *want = slurp(exp_path, NULL);
        cr_expect_not_null(want, "%s/%s: no .expected file", dirs[d], files[k]);
        if (want) {
          cr_expect_neq(want[0], '\0', "%s/%s: an err_ case must expect a finding", dirs[d], files[k]);
          cr_expect_str_eq(got, want, "%s/%s: findings differ\n--- got\n%s--- want\n%s", dirs[d],
                           files[k], got, want);
        }
        free(want);
        free(exp_path);
      } else {
        cr_expect_fail("%s/%s: case files are ok_*.py or err_*.py", dirs[d], files[k]);
      }
      free(got);
      free(path);
    }
    free_list(files, nfiles);
    free(dir);
  }
  free_list(dirs, ndirs);
  cr_expect_gt(ncases, 0, "no rule cases found under %s", RULES_DIR);
}

/* Every rule with a check has an ok and an err case; every rule has a doc page. */
Test(rules, every_rule_has_cases_and_docs) {
  size_t n;
  const LintRule *const *rules = lint_rules(&n);
  for (size_t k = 0; k < n; k++) {
    const LintRule *r = rules[k];
    const char *doc = lint_rule_doc(r->id);
    cr_expect_not_null(doc, "%s has no doc page (server/lint/docs/%s.md)", r->id, r->id);
    if (doc) {
      cr_expect(strstr(doc, "## Problem") && strstr(doc, "## Solution") && strstr(doc, "```python"),
                "%s: doc page needs Problem, Solution and a Python example", r->id);
    }
    if (!r->check_op && !r->check_revision) continue; // graph rule
    char *dir = join(RULES_DIR, r->id);
    char **ok, **err;
    size_t nok = list_dir(dir, "ok_", ".py", &ok), nerr = list_dir(dir, "err_", ".py", &err);
    cr_expect(nok > 0 && nerr > 0, "%s needs ok_*.py and err_*.py cases in tests/rules/%s/",
              r->id, r->id);
    free_list(ok, nok);
    free_list(err, nerr);
    free(dir);
  }
}

/* Ids are unique kebab-case; each rule's C name is rule_<id with '_' for '-'>. */
Test(rules, registry_names_are_consistent) {
  size_t n;
  const LintRule *const *rules = lint_rules(&n);
  cr_assert_gt(n, 40);
  for (size_t k = 0; k < n; k++) {
    const char *id = rules[k]->id;
    for (const char *p = id; *p; p++)
      cr_expect((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-',
                "'%s' is not kebab-case", id);
    for (size_t j = k + 1; j < n; j++) cr_expect_str_neq(id, rules[j]->id, "duplicate id");
    cr_expect_eq(lint_rule_find(id), rules[k]);
    if (!rules[k]->name) continue; // graph rule
    Buf b = BUF_INIT;
    buf_printf(&b, "rule_%s", id);
    for (char *p = b.data; *p; p++)
      if (*p == '-') *p = '_';
    cr_expect_str_eq(rules[k]->name, b.data);
    buf_free(&b);
  }
}
