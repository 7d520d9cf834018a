/* sarif.c - SARIF 2.1.0 writer for review findings. */
#include "server/tools/sarif.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "server/lint/lint.h"

static const char *sarif__level(const char *severity) {
  if (severity && strcmp(severity, "error") == 0) return "error";
  if (severity && strcmp(severity, "warning") == 0) return "warning";
  return "note";
}

/* A path relative to the working directory when it lies below it, else a file URI. */
static void sarif__uri(JsonWriter *w, const char *path, const char *cwd) {
  size_t n = strlen(cwd);
  if (path[0] == '/' && strncmp(path, cwd, n) == 0 && path[n] == '/') {
    jw_string(w, path + n + 1);
    return;
  }
  Buf b = BUF_INIT;
  if (path[0] == '/') buf_puts(&b, "file://");
  // Percent-encode what a URI cannot hold as it is.
  for (const unsigned char *p = (const unsigned char *)path; *p; p++) {
    if (*p <= 0x20 || *p >= 0x7f || strchr("%#?[]", *p))
      buf_printf(&b, "%%%02X", *p);
    else
      buf_putc(&b, (char)*p);
  }
  jw_string(w, buf_cstr(&b));
  buf_free(&b);
}

/* The finding's range as a SARIF region under `key` ("region", "deletedRegion"). */
static void sarif__region(JsonWriter *w, const char *key, const Json *f) {
  const Json *line = json_get(f, "line");
  if (!line) return;
  jw_key(w, key);
  jw_object_begin(w);
  jw_key(w, "startLine");
  jw_value(w, line);
  const char *keys[3][2] = {{"column", "startColumn"}, {"end_line", "endLine"},
                            {"end_column", "endColumn"}};
  for (int i = 0; i < 3; i++) {
    const Json *v = json_get(f, keys[i][0]);
    if (!v) continue;
    jw_key(w, keys[i][1]);
    jw_value(w, v);
  }
  jw_object_end(w);
}

/* Index of `rule` in `ids` (appending it when new). */
static size_t sarif__rule_index(const char **ids, size_t *n, const char *rule) {
  for (size_t i = 0; i < *n; i++)
    if (strcmp(ids[i], rule) == 0) return i;
  ids[*n] = rule;
  return (*n)++;
}

void sarif_write_review(Buf *out, const Json *review, const char *tool_version) {
  const Json *findings = json_get(review, "findings");
  size_t nf = findings && findings->type == JSON_ARRAY ? findings->n : 0;
  const char **ids = calloc(nf + 1, sizeof *ids);
  size_t nids = 0;
  for (size_t i = 0; i < nf; i++) {
    const char *rule = json_get_string(findings->items[i], "rule");
    if (rule) sarif__rule_index(ids, &nids, rule);
  }
  char cwd[4096];
  if (!getcwd(cwd, sizeof cwd)) cwd[0] = '\0';

  JsonWriter w;
  jw_init(&w, out);
  jw_object_begin(&w);
  jw_kv_string(&w, "$schema", "https://json.schemastore.org/sarif-2.1.0.json");
  jw_kv_string(&w, "version", "2.1.0");
  jw_key(&w, "runs");
  jw_array_begin(&w);
  jw_object_begin(&w);
  jw_key(&w, "tool");
  jw_object_begin(&w);
  jw_key(&w, "driver");
  jw_object_begin(&w);
  jw_kv_string(&w, "name", "retort");
  jw_kv_string(&w, "version", tool_version);
  jw_key(&w, "rules");
  jw_array_begin(&w);
  for (size_t i = 0; i < nids; i++) {
    const LintRule *r = lint_rule_find(ids[i]);
    const char *doc = lint_rule_doc(ids[i]);
    jw_object_begin(&w);
    jw_kv_string(&w, "id", ids[i]);
    jw_key(&w, "shortDescription");
    jw_object_begin(&w);
    jw_kv_string(&w, "text", r && r->summary ? r->summary : ids[i]);
    jw_object_end(&w);
    if (doc) {
      jw_key(&w, "help");
      jw_object_begin(&w);
      jw_kv_string(&w, "text", doc);
      jw_kv_string(&w, "markdown", doc);
      jw_object_end(&w);
    }
    if (r) {
      jw_key(&w, "defaultConfiguration");
      jw_object_begin(&w);
      jw_kv_string(&w, "level", sarif__level(severity_name(r->severity)));
      jw_object_end(&w);
    }
    jw_object_end(&w);
  }
  jw_array_end(&w);
  jw_object_end(&w);
  jw_object_end(&w);
  jw_kv_string(&w, "columnKind", "unicodeCodePoints");
  jw_key(&w, "results");
  jw_array_begin(&w);
  for (size_t i = 0; i < nf; i++) {
    const Json *f = findings->items[i];
    const char *rule = json_get_string(f, "rule");
    const char *path = json_get_string(f, "path");
    if (!rule) continue;
    jw_object_begin(&w);
    jw_kv_string(&w, "ruleId", rule);
    jw_kv_int(&w, "ruleIndex", (int64_t)sarif__rule_index(ids, &nids, rule));
    jw_kv_string(&w, "level", sarif__level(json_get_string(f, "severity")));
    jw_key(&w, "message");
    jw_object_begin(&w);
    jw_kv_string(&w, "text", json_get_string(f, "message"));
    jw_object_end(&w);
    if (path) {
      jw_key(&w, "locations");
      jw_array_begin(&w);
      jw_object_begin(&w);
      jw_key(&w, "physicalLocation");
      jw_object_begin(&w);
      jw_key(&w, "artifactLocation");
      jw_object_begin(&w);
      jw_key(&w, "uri");
      sarif__uri(&w, path, cwd);
      jw_object_end(&w);
      sarif__region(&w, "region", f);
      jw_object_end(&w);
      jw_object_end(&w);
      jw_array_end(&w);
      const char *fix = json_get_string(f, "fix");
      if (fix && json_get(f, "line")) {
        jw_key(&w, "fixes");
        jw_array_begin(&w);
        jw_object_begin(&w);
        jw_key(&w, "description");
        jw_object_begin(&w);
        jw_kv_string(&w, "text", "retort quick fix");
        jw_object_end(&w);
        jw_key(&w, "artifactChanges");
        jw_array_begin(&w);
        jw_object_begin(&w);
        jw_key(&w, "artifactLocation");
        jw_object_begin(&w);
        jw_key(&w, "uri");
        sarif__uri(&w, path, cwd);
        jw_object_end(&w);
        jw_key(&w, "replacements");
        jw_array_begin(&w);
        jw_object_begin(&w);
        sarif__region(&w, "deletedRegion", f);
        jw_key(&w, "insertedContent");
        jw_object_begin(&w);
        jw_kv_string(&w, "text", fix);
        jw_object_end(&w);
        jw_object_end(&w);
        jw_array_end(&w);
        jw_object_end(&w);
        jw_array_end(&w);
        jw_object_end(&w);
        jw_array_end(&w);
      }
    }
    jw_object_end(&w);
  }
  jw_array_end(&w);
  jw_object_end(&w);
  jw_array_end(&w);
  jw_object_end(&w);
  free(ids);
}
