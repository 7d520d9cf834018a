/* history.c - `alembic history` / `alembic heads` text, as Script._head_only and
 * Script.log_entry (alembic/script/base.py) format it, followed by print()'s newline. */
#include "server/alembic/history.h"

#include <string.h>

/* ", ".join(values) */
static void history__comma(Buf *out, const char *const *v, size_t n) {
  for (size_t i = 0; i < n; i++) {
    if (i) buf_puts(out, ", ");
    buf_puts(out, v[i]);
  }
}

/* Script._format_down_revision */
static void history__down(Buf *out, const Revision *r) {
  if (!r->ndown)
    buf_puts(out, "<base>");
  else
    history__comma(out, r->down, r->ndown);
}

/* Script.doc: re.split("\n\n", longdoc)[0] */
static void history__doc(Buf *out, const Revision *r) {
  const char *doc = r->longdoc ? r->longdoc : (r->message ? r->message : "");
  const char *end = strstr(doc, "\n\n");
  buf_append(out, doc, end ? (size_t)(end - doc) : strlen(doc));
}

/* Length of a line break at s (str.splitlines boundaries), 0 if none. */
static size_t history__linebreak(const char *s) {
  unsigned char c = (unsigned char)s[0];
  if (c == '\r') return s[1] == '\n' ? 2 : 1;
  if (c == '\n' || c == '\v' || c == '\f' || c == 0x1c || c == 0x1d || c == 0x1e) return 1;
  if (c == 0xC2 && (unsigned char)s[1] == 0x85) return 2;
  if (c == 0xE2 && (unsigned char)s[1] == 0x80 &&
      ((unsigned char)s[2] == 0xA8 || (unsigned char)s[2] == 0xA9))
    return 3;
  return 0;
}

/* "\n".join("    %s" % para for para in longdoc.splitlines()) */
static void history__indented(Buf *out, const char *doc) {
  const char *p = doc;
  bool first = true;
  while (*p) {
    const char *q = p;
    size_t lb = 0;
    while (*q && !(lb = history__linebreak(q))) q++;
    if (!first) buf_putc(out, '\n');
    buf_puts(out, "    ");
    buf_append(out, p, (size_t)(q - p));
    first = false;
    p = *q ? q + lb : q;
  }
}

static void history__short(Buf *out, const Revision *r, const GraphRevInfo *in, bool include_doc,
                           bool tree_indicators, bool is_current) {
  // include_parents=True
  history__down(out, r);
  if (r->ndepends_on) {
    buf_puts(out, " (");
    history__comma(out, r->depends_on, r->ndepends_on);
    buf_puts(out, ")");
  }
  buf_puts(out, " -> ");
  buf_puts(out, r->id);
  if (in->nbranch_labels) {
    buf_puts(out, " (");
    history__comma(out, in->branch_labels, in->nbranch_labels);
    buf_puts(out, ")");
  }
  if (in->is_real_head) buf_puts(out, " (head)");
  if (in->is_head && !in->is_real_head) buf_puts(out, " (effective head)");
  if (is_current) buf_puts(out, " (current)");
  if (tree_indicators) {
    if (in->is_branch_point) buf_puts(out, " (branchpoint)");
    if (in->is_merge_point) buf_puts(out, " (mergepoint)");
  }
  if (include_doc) {
    buf_puts(out, ", ");
    history__doc(out, r);
  }
}

static void history__log_entry(Buf *out, const Revision *r, const GraphRevInfo *in,
                               bool is_current) {
  buf_printf(out, "Rev: %s%s%s%s%s\n", r->id, in->is_head ? " (head)" : "",
             in->is_branch_point ? " (branchpoint)" : "", in->is_merge_point ? " (mergepoint)" : "",
             is_current ? " (current)" : "");
  buf_puts(out, in->is_merge_point ? "Merges: " : "Parent: ");
  history__down(out, r);
  buf_putc(out, '\n');
  if (r->ndepends_on) {
    buf_puts(out, "Also depends on: ");
    history__comma(out, r->depends_on, r->ndepends_on);
    buf_putc(out, '\n');
  }
  if (in->is_branch_point) {
    buf_puts(out, "Branches into: ");
    history__comma(out, in->children, in->nchildren);
    buf_putc(out, '\n');
  }
  if (in->nbranch_labels) {
    buf_puts(out, "Branch names: ");
    history__comma(out, in->branch_labels, in->nbranch_labels);
    buf_putc(out, '\n');
  }
  buf_printf(out, "Path: %s\n", r->path ? r->path : "");
  buf_putc(out, '\n');
  history__indented(out, r->longdoc ? r->longdoc : "");
  buf_putc(out, '\n');
}

void history_format_entry(Buf *out, const Graph *g, const Revision *rev, bool verbose,
                          bool is_current) {
  GraphRevInfo in;
  if (!graph_info(g, rev, &in)) return;
  if (verbose)
    history__log_entry(out, rev, &in, is_current);
  else
    history__short(out, rev, &in, true, true, is_current);
  buf_putc(out, '\n');
}

void history_format(Buf *out, const Graph *g, Revision *const *revs, size_t n, bool verbose,
                    const char *const *current, size_t ncurrent) {
  for (size_t i = 0; i < n; i++) {
    bool is_current = false;
    for (size_t k = 0; k < ncurrent; k++)
      if (current[k] && strcmp(current[k], revs[i]->id) == 0) is_current = true;
    history_format_entry(out, g, revs[i], verbose, is_current);
  }
}

void history_format_heads(Buf *out, const Graph *g, bool verbose) {
  size_t n;
  Revision *const *heads = graph_heads(g, &n);
  for (size_t i = 0; i < n; i++) {
    GraphRevInfo in;
    if (!graph_info(g, heads[i], &in)) continue;
    if (verbose) {
      history__log_entry(out, heads[i], &in, false);
    } else {
      // cmd_format(include_branches=True, tree_indicators=False): no parents, no doc
      buf_puts(out, heads[i]->id);
      if (in.nbranch_labels) {
        buf_puts(out, " (");
        history__comma(out, in.branch_labels, in.nbranch_labels);
        buf_puts(out, ")");
      }
      if (in.is_real_head) buf_puts(out, " (head)");
      if (in.is_head && !in.is_real_head) buf_puts(out, " (effective head)");
    }
    buf_putc(out, '\n');
  }
}
