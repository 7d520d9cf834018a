/* status.c - the `status` tool: heads and graph problems from the files; from the
 * database (unless offline): the version rows, what is pending, and drift between the
 * migrations up to the current revisions and the database's catalog. */
#include <stdlib.h>
#include <string.h>

#include "server/base/mem.h"
#include "server/db/catalog.h"
#include "server/schema/compare.h"
#include "server/tools/tools.h"

static const char STATUS_OFFLINE[] =
    "no database was consulted (offline: true): current, pending and up_to_date are "
    "unknown (null)";

/* What the database side found. Strings malloc'd or borrowed as noted. */
typedef struct StatusDb {
  bool consulted;
  bool target_known;
  DbTarget target;          /* resolved target (masked URL, kind) */
  bool reachable;
  char *error;              /* why it is unreachable or unreadable (masked) */
  const char *server_version;
  const char *vt_schema, *vt_table; /* the project's version_table settings (borrowed) */
  bool rows_known;
  bool table_exists;
  char **rows;              /* one malloc (db_version_rows) */
  size_t nrows;
  Revision **pending;       /* malloc'd array of borrowed Revisions */
  size_t npending;
  bool pending_known;
  char *pending_error;
  CompareExpected expected;
  bool drift_checked;
  CompareList drift;
  char *drift_error;
} StatusDb;

static void status__db_free(StatusDb *d) {
  if (d->target_known) db_target_free(&d->target);
  free(d->error);
  free(d->rows);
  free(d->pending);
  free(d->pending_error);
  compare_expected_free(&d->expected);
  compare_list_free(&d->drift);
  free(d->drift_error);
}

static const char *status__kind(DbKind k) { return k == DB_KIND_SCRATCH ? "scratch" : "url"; }

static bool status__is_head(const Graph *g, const char *id) {
  size_t nh = 0;
  Revision *const *heads = graph_heads(g, &nh);
  for (size_t k = 0; k < nh; k++)
    if (!strcmp(heads[k]->id, id)) return true;
  return false;
}

/* Reads the database side into d. Returns false only for a failure of the call itself
 * (bad database_url argument); an unreachable database is reported in d. */
static bool status__consult(ToolSession *s, const Json *args, const ToolProject *tp, StatusDb *d,
                            FindingList *problems, RtError *err) {
  d->consulted = true;
  const Project *p = tp->project;
  if (p->ini) {
    RtError e2 = {0};
    d->vt_table = ini_get(p->ini, p->section, "version_table", &e2);
    d->vt_schema = ini_get(p->ini, p->section, "version_table_schema", &e2);
    if (d->vt_table && !*d->vt_table) d->vt_table = NULL;
    if (d->vt_schema && !*d->vt_schema) d->vt_schema = NULL;
  }
  RtError e = {0};
  if (!tool_db_target(s, args, p, &d->target, &e)) {
    if (e.kind == ERR_PARAMS) { // the call's own database_url is malformed
      *err = e;
      return false;
    }
    d->error = xstrdup(e.msg);
    return true;
  }
  d->target_known = true;
  Db *db = NULL;
  if (!tool_db_connect(s, args, p, &db, &e)) {
    d->error = xstrdup(e.msg);
    return true;
  }
  d->reachable = true;
  d->server_version = db_server_version(db);
  if (!db_version_rows(db, d->vt_schema, d->vt_table, &d->rows, &d->nrows, &d->table_exists, &e)) {
    d->error = xstrdup(e.msg);
    return true;
  }
  d->rows_known = true;
  const char *const *rows = (const char *const *)d->rows;

  // Rows naming no revision file: a problem, and nothing can be planned from them.
  compare_expected_schema(tp->graph, rows, d->nrows, &d->expected);
  for (size_t k = 0; k < d->expected.nunknown; k++)
    findings_add(problems, "unknown-current-revision", SEV_ERROR, NULL, (SrcRange){0},
                 "The database's version table names revision %s, which is not in the revision "
                 "files: the database was migrated from other files (another branch, or a "
                 "deleted revision); restore that revision file, or fix the version table",
                 d->expected.unknown[k]);
  if (d->expected.nunknown == 0) {
    RtError pe = {0};
    if (graph_upgrade_plan(tp->graph, rows, d->nrows, "heads", &d->pending, &d->npending, &pe))
      d->pending_known = true;
    else
      d->pending_error = xstrdup(pe.msg);
  } else {
    d->pending_error = xstrdup("the version table names revisions that are not in the files");
  }

  Schema *cat = NULL;
  if (!catalog_read(db, d->vt_schema, d->vt_table, &cat, &e)) {
    d->drift_error = xstrdup(e.msg);
    return true;
  }
  CompareOptions o = {.lenient = true};
  compare_schemas(d->expected.schema, cat, &o, &d->drift);
  schema_delete(cat);
  d->drift_checked = true;
  return true;
}

/* The drift note: what the comparison could not cover. Caller frees. */
static char *status__drift_note(const StatusDb *d) {
  Buf b = BUF_INIT;
  if (!d->drift_checked) {
    buf_printf(&b, "drift was not checked: %s",
               d->drift_error ? d->drift_error
                              : d->reachable ? "the version table could not be read"
                                             : "the database is not reachable");
    return buf_detach(&b);
  }
  buf_printf(&b, "compared the static fold of %zu revision%s (every revision up to current) "
                 "with the database's catalog",
             d->expected.nrevisions, d->expected.nrevisions == 1 ? "" : "s");
  if (d->expected.ndynamic) {
    buf_puts(&b, "; incomplete: ");
    for (size_t k = 0; k < d->expected.ndynamic; k++)
      buf_printf(&b, "%s%s", k ? ", " : "", d->expected.dynamic[k]->id);
    buf_printf(&b, " %s code retort does not run (loops, helpers, get_bind() ...), so what "
                   "%s create%s is unknown and may show up as extra objects",
               d->expected.ndynamic == 1 ? "has" : "have", d->expected.ndynamic == 1 ? "it" : "they",
               d->expected.ndynamic == 1 ? "s" : "");
  }
  if (d->expected.npartial) {
    buf_puts(&b, "; partly modelled: ");
    for (size_t k = 0; k < d->expected.npartial; k++)
      buf_printf(&b, "%s%s", k ? ", " : "", d->expected.partial[k]->id);
    buf_printf(&b, " %s raw SQL (op.execute) or op methods the fold reads only in part (ALTER "
                   "TABLE, CREATE of other objects): their effects may show up as extra or "
                   "missing objects",
               d->expected.npartial == 1 ? "runs" : "run");
  }
  if (d->expected.nunknown)
    buf_puts(&b, "; revisions in the version table that are not in the files could not be "
                 "folded (see problems)");
  buf_puts(&b, "; server defaults and CHECK conditions compared after normalisation (casts, "
               "case, blanks; CURRENT_TIMESTAMP = now()), types without modifiers in the "
               "migrations match any modifiers, unnamed constraints match by columns");
  return buf_detach(&b);
}

static void status__write_db(JsonWriter *w, const StatusDb *d) {
  jw_key(w, "database");
  jw_object_begin(w);
  jw_kv_bool(w, "consulted", d->consulted);
  if (!d->consulted) {
    jw_key(w, "kind");
    jw_null(w);
    jw_key(w, "url");
    jw_null(w);
    jw_key(w, "reachable");
    jw_null(w);
    jw_key(w, "server_version");
    jw_null(w);
    jw_kv_string(w, "note", STATUS_OFFLINE);
    jw_object_end(w);
    return;
  }
  jw_key(w, "kind");
  if (d->target_known) jw_string(w, status__kind(d->target.kind));
  else jw_null(w);
  jw_key(w, "url");
  jw_string(w, d->target_known ? d->target.masked : NULL);
  jw_key(w, "source");
  jw_string(w, d->target_known ? d->target.source : NULL);
  jw_kv_bool(w, "reachable", d->reachable);
  jw_key(w, "server_version");
  jw_string(w, d->reachable ? d->server_version : NULL);
  jw_key(w, "version_table");
  if (d->vt_schema) {
    Buf b = BUF_INIT;
    buf_printf(&b, "%s.%s", d->vt_schema, d->vt_table ? d->vt_table : "alembic_version");
    jw_string(w, buf_cstr(&b));
    buf_free(&b);
  } else {
    jw_string(w, d->vt_table ? d->vt_table : "alembic_version");
  }
  jw_key(w, "version_table_exists");
  if (d->rows_known) jw_bool(w, d->table_exists);
  else jw_null(w);
  jw_key(w, "error");
  jw_string(w, d->error);
  jw_object_end(w);
}

static void status__write_drift(JsonWriter *w, const StatusDb *d) {
  jw_key(w, "drift");
  if (!d->consulted) {
    jw_null(w);
    return;
  }
  jw_object_begin(w);
  jw_kv_bool(w, "checked", d->drift_checked);
  jw_kv_bool(w, "complete", d->drift_checked && d->expected.ndynamic == 0 &&
                                d->expected.npartial == 0 && d->expected.nunknown == 0);
  jw_key(w, "items");
  jw_array_begin(w);
  for (size_t k = 0; k < d->drift.len; k++) {
    const CompareItem *it = &d->drift.items[k];
    jw_object_begin(w);
    // missing: the migrations create it, the database lacks it; extra: the other way
    jw_kv_string(w, "kind", compare_kind_name(it->kind));
    jw_kv_string(w, "object", compare_object_name(it->object));
    jw_kv_string(w, "name", it->name);
    jw_kv_string(w, "detail", it->detail);
    jw_object_end(w);
  }
  jw_array_end(w);
  jw_key(w, "dynamic_revisions");
  jw_array_begin(w);
  for (size_t k = 0; k < d->expected.ndynamic; k++) jw_string(w, d->expected.dynamic[k]->id);
  jw_array_end(w);
  jw_key(w, "partial_revisions");
  jw_array_begin(w);
  for (size_t k = 0; k < d->expected.npartial; k++) jw_string(w, d->expected.partial[k]->id);
  jw_array_end(w);
  char *note = status__drift_note(d);
  jw_kv_string(w, "note", note);
  free(note);
  jw_object_end(w);
}

static void status__text(Buf *t, const ToolProject *tp, const StatusDb *d,
                         const FindingList *problems) {
  size_t nh = 0;
  Revision *const *heads = graph_heads(tp->graph, &nh);
  const char *config = project_config_file(tp->project);
  buf_printf(t, "Project: %s\n", config ? config : tp->project->root);
  buf_printf(t, "Revisions: %zu\n", graph_count(tp->graph));
  buf_printf(t, "Head%s: ", nh == 1 ? "" : "s");
  if (nh == 0) buf_puts(t, "(none)");
  for (size_t i = 0; i < nh; i++) buf_printf(t, "%s%s", i ? ", " : "", heads[i]->id);
  buf_puts(t, "\n");
  if (!d->consulted) {
    buf_printf(t, "Database: %s\n", STATUS_OFFLINE);
  } else if (!d->reachable) {
    buf_printf(t, "Database: %s (%s), not reachable: %s\n",
               d->target_known ? d->target.masked : "(not resolved)",
               d->target_known ? d->target.source : "-", d->error ? d->error : "unknown reason");
    buf_puts(t, "Current: unknown (the database could not be consulted; the file side above "
                "is complete)\n");
  } else {
    buf_printf(t, "Database: %s (%s), PostgreSQL %s\n", d->target.masked, d->target.source,
               d->server_version);
    if (!d->rows_known) {
      buf_printf(t, "Current: unknown: %s\n", d->error ? d->error : "");
    } else if (d->nrows == 0) {
      buf_printf(t, "Current: (none: %s)\n",
                 d->table_exists ? "the version table is empty" : "no version table yet");
    } else {
      buf_puts(t, "Current:");
      for (size_t k = 0; k < d->nrows; k++)
        buf_printf(t, " %s%s", d->rows[k], status__is_head(tp->graph, d->rows[k]) ? " (head)" : "");
      buf_puts(t, "\n");
    }
  }
  if (d->pending_known) {
    if (d->npending == 0) {
      buf_puts(t, "Pending: none\nUp to date: yes\n");
    } else {
      buf_printf(t, "Pending: %zu revision%s, in apply order:\n", d->npending,
                 d->npending == 1 ? "" : "s");
      for (size_t k = 0; k < d->npending; k++)
        buf_printf(t, "  %s  %s\n", d->pending[k]->id,
                   d->pending[k]->message ? d->pending[k]->message : "");
      buf_puts(t, "Up to date: no (run `retort upgrade` to see the plan)\n");
    }
  } else if (d->rows_known) {
    buf_printf(t, "Pending: unknown: %s\n", d->pending_error ? d->pending_error : "");
  }
  if (d->consulted) {
    if (!d->drift_checked) {
      char *note = status__drift_note(d);
      buf_printf(t, "Drift: %s\n", note);
      free(note);
    } else if (d->drift.len == 0) {
      buf_printf(t, "Drift: none%s\n",
                 d->expected.ndynamic || d->expected.npartial
                     ? " found (incomplete: see the note in the result)" : "");
    } else {
      buf_printf(t, "Drift: %zu difference%s between the migrations up to current and the "
                    "database (missing: the migrations create it, the database lacks it; "
                    "extra: the database has it, the migrations do not):\n",
                 d->drift.len, d->drift.len == 1 ? "" : "s");
      for (size_t k = 0; k < d->drift.len; k++)
        buf_printf(t, "  %s %s %s: %s\n", compare_kind_name(d->drift.items[k].kind),
                   compare_object_name(d->drift.items[k].object), d->drift.items[k].name,
                   d->drift.items[k].detail);
      if (d->expected.ndynamic || d->expected.npartial) {
        char *note = status__drift_note(d);
        buf_printf(t, "  (%s)\n", note);
        free(note);
      }
    }
  }
  if (problems->len == 0) {
    buf_puts(t, "Problems: none\n");
  } else {
    buf_printf(t, "Problems: %zu\n", problems->len);
    tool_text_findings(t, problems);
  }
}

bool tool_status(ToolSession *s, const McpToolCall *call, McpToolResult *res, RtError *err) {
  const Json *args = call->arguments;
  bool offline = json_get_true(args, "offline");
  ToolProject tp;
  StatusDb d = {0};
  FindingList problems;
  findings_init(&problems);
  bool ok = false;
  // The drift check folds every revision's ops: parse bodies too unless offline.
  if (!tool_project_load(s, args, offline ? REV_PARSE_HEADER : REV_PARSE_FULL, &tp, err)) goto done;
  findings_extend(&problems, tp.problems);
  if (!offline && !status__consult(s, args, &tp, &d, &problems, err)) goto done;
  findings_sort(&problems);

  size_t nh = 0, nb = 0;
  Revision *const *heads = graph_heads(tp.graph, &nh);
  Revision *const *bases = graph_bases(tp.graph, &nb);
  JsonWriter w;
  jw_init(&w, &res->structured);
  jw_object_begin(&w);
  jw_key(&w, "heads");
  tool_write_ids(&w, heads, nh);
  jw_key(&w, "bases");
  tool_write_ids(&w, bases, nb);
  jw_kv_int(&w, "revision_count", (int64_t)graph_count(tp.graph));
  jw_key(&w, "current");
  if (d.rows_known) tool_write_strings(&w, (const char *const *)d.rows, d.nrows);
  else jw_null(&w);
  jw_key(&w, "pending");
  if (d.pending_known) tool_write_ids(&w, d.pending, d.npending);
  else jw_null(&w);
  jw_key(&w, "up_to_date");
  if (d.pending_known) jw_bool(&w, d.npending == 0);
  else jw_null(&w);
  status__write_db(&w, &d);
  jw_key(&w, "problems");
  tool_write_findings(&w, &problems);
  status__write_drift(&w, &d);
  jw_object_end(&w);
  status__text(&res->text, &tp, &d, &problems);
  ok = true;

done:
  status__db_free(&d);
  findings_free(&problems);
  tool_project_free(&tp);
  return ok;
}
