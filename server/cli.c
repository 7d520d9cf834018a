/* cli.c - argument parsing for people and CI; every command ends in tools_call, the
 * same path MCP's tools/call takes, so the CLI and the server cannot disagree. */
#include "server/cli.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "protocol/json.h"
#include "protocol/server.h"
#include "server/base/mem.h"
#include "server/tools/lsp_features.h"
#include "server/tools/sarif.h"
#include "server/tools/tools.h"

#ifndef RETORT_VERSION
#define RETORT_VERSION "0.1.0"
#endif

enum { EXIT_OK = 0, EXIT_TOOL = 1, EXIT_USAGE = 2 };

/* OPT_LIST: a string option that may repeat; the tool argument is an array. */
typedef enum OptKind { OPT_STRING, OPT_BOOL, OPT_INT, OPT_LIST } OptKind;

/* One friendly option: -s/--long maps to the tool argument `key`. */
typedef struct CliOpt {
  const char *long_name;
  char short_name;
  const char *key;
  OptKind kind;
  const char *help;
} CliOpt;

typedef struct CliCommand {
  const char *name;
  const char *tool;
  const char *summary;
  const CliOpt *opts;
  bool positional;    /* takes REV|PATH... operands (revision ids/ranges or files) */
  bool sarif;         /* --format sarif is meaningful */
  bool fail_on_error; /* exit 1 when the result has error-severity findings */
  const char *operand; /* the tool argument one TARGET operand goes to, or NULL */
  const char *off_unless; /* a boolean tool argument sent as false unless its option is given
                             (`revision` autogenerates only with --autogenerate, as alembic) */
  const char *operands_to; /* REV... operands go to this argument: "heads" alone as the
                              string, several as an array (`merge`) */
} CliCommand;

static const CliOpt HISTORY_OPTS[] = {
    {"rev-range", 'r', "range", OPT_STRING, "revision range [start]:[end], e.g. -3: or ae10:head"},
    {"verbose", 'v', "verbose", OPT_BOOL, "full entries, as alembic history --verbose"},
    {"indicate-current", 'i', "indicate_current", OPT_BOOL,
     "mark the database's current revisions (as alembic history -i)"},
    {0},
};
static const CliOpt STATUS_OPTS[] = {
    {"offline", 0, "offline", OPT_BOOL, "do not consult any database"},
    {0},
};

static const CliOpt REVIEW_OPTS[] = {
    {"verify", 0, "verify", OPT_BOOL,
     "round trip each revision on a throwaway scratch database (never yours)"},
    {0},
};

static const CliOpt MIGRATE_OPTS[] = {
    {"sql", 0, "sql_only", OPT_BOOL, "print the SQL script (as alembic --sql); FROM:TO needs no database"},
    {"confirm", 0, "confirm", OPT_STRING, "run the plan with this plan_id (printed by a run without it)"},
    {"engine", 0, "engine", OPT_STRING, "auto (default), native or alembic"},
    {"lock-timeout-ms", 0, "lock_timeout_ms", OPT_INT, "lock_timeout per statement (default 5000)"},
    {"statement-timeout-ms", 0, "statement_timeout_ms", OPT_INT, "statement_timeout (default 0: none)"},
    {0},
};

static const CliOpt REVISION_OPTS[] = {
    {"message", 'm', "message", OPT_STRING, "the revision message (required)"},
    {"autogenerate", 0, "autogenerate", OPT_BOOL,
     "compare the models ([retort] models) with the schema and write the ops"},
    {"against", 0, "against", OPT_STRING,
     "migrations (default: their static schema) or database (its catalog)"},
    {"head", 0, "head", OPT_STRING, "the revision to build on (default head)"},
    {"splice", 0, "splice", OPT_BOOL, "allow --head to name a revision that is not a head"},
    {"branch-label", 0, "branch_label", OPT_STRING, "a branch label for the new revision"},
    {"depends-on", 0, "depends_on", OPT_LIST, "a revision the new one depends on (repeatable)"},
    {"rev-id", 0, "rev_id", OPT_STRING, "the new revision's id (default: the project's convention)"},
    {"version-path", 0, "version_path", OPT_STRING, "versions directory, when there are several"},
    {"allow-empty", 0, "allow_empty", OPT_BOOL, "write even when autogenerate finds no change"},
    {"dry-run", 0, "write", OPT_BOOL, "show the file and its review; write nothing"},
    {0},
};

static const CliOpt MERGE_OPTS[] = {
    {"message", 'm', "message", OPT_STRING, "the revision message (required)"},
    {"branch-label", 0, "branch_label", OPT_STRING, "a branch label for the merge revision"},
    {"rev-id", 0, "rev_id", OPT_STRING, "the merge revision's id"},
    {"dry-run", 0, "write", OPT_BOOL, "show the file; write nothing"},
    {0},
};

static const CliCommand COMMANDS[] = {
    {"history", "history", "list revisions newest first (alembic history)", HISTORY_OPTS,
     false, false, false, NULL, NULL, NULL},
    {"status", "status", "heads, pending revisions and problems", STATUS_OPTS, false, false,
     false, NULL, NULL, NULL},
    {"review", "review_migration",
     "review revisions [REV|RANGE|PATH...] (default: heads): SQL, locks, findings",
     REVIEW_OPTS, true, true, true, NULL, NULL, NULL},
    {"upgrade", "upgrade", "upgrade [TARGET] (default head): the plan, or run it with --confirm",
     MIGRATE_OPTS, false, false, false, "target", NULL, NULL},
    {"downgrade", "downgrade", "downgrade [TARGET] (default -1): the plan, or run it with --confirm",
     MIGRATE_OPTS, false, false, false, "target", NULL, NULL},
    {"revision", "create_migration",
     "new revision file (alembic revision), reviewed; --autogenerate from the models",
     REVISION_OPTS, false, false, false, NULL, "autogenerate", NULL},
    {"merge", "create_migration", "merge revision of REV... (default: heads), as alembic merge",
     MERGE_OPTS, false, false, false, NULL, NULL, "merge"},
};
#define NCOMMANDS (sizeof COMMANDS / sizeof COMMANDS[0])

typedef struct CliGlobals {
  const char *project;
  const char *database_url; /* --database-url: passed on as RETORT_DATABASE_URL */
  const char *format; /* "text", "json" or "sarif" */
} CliGlobals;

static void cli__usage(FILE *f) {
  fprintf(f,
          "usage: retort [--project DIR] [--database-url URL] COMMAND [ARGS]\n"
          "\n"
          "Tool commands (text for people; --format json prints the tool's result):\n");
  for (size_t i = 0; i < NCOMMANDS; i++) {
    fprintf(f, "  %-10s %s\n", COMMANDS[i].name, COMMANDS[i].summary);
    for (const CliOpt *o = COMMANDS[i].opts; o->long_name; o++) {
      char flag[64];
      if (o->short_name)
        snprintf(flag, sizeof flag, "-%c, --%s%s", o->short_name, o->long_name,
                 o->kind != OPT_BOOL ? " X" : "");
      else
        snprintf(flag, sizeof flag, "--%s%s", o->long_name, o->kind != OPT_BOOL ? " X" : "");
      fprintf(f, "      %-24s %s\n", flag, o->help);
    }
  }
  fprintf(f,
          "  call TOOL [JSON]   call a tool with JSON arguments; prints its result as JSON\n"
          "\n"
          "Servers (stdio):\n"
          "  serve      MCP or LSP, chosen from the first bytes\n"
          "  mcp        MCP (newline-delimited JSON-RPC)\n"
          "  lsp        LSP (Content-Length framing)\n"
          "\n"
          "Global options (before or after the command):\n"
          "  --project DIR     project directory or alembic.ini (default: search upward from .)\n"
          "  --database-url URL  the database (default: RETORT_DATABASE_URL, DATABASE_URL,\n"
          "                    sqlalchemy.url, else retort's scratch cluster)\n"
          "  --format FORMAT   text (default), json, or sarif (review: SARIF 2.1.0)\n"
          "  -h, --help        this help;  --version  print the version\n"
          "\n"
          "Exit codes: 0 ok, 1 the tool failed, 2 bad arguments.\n");
}

static int cli__usage_error(const char *fmt, const char *arg) {
  fprintf(stderr, "retort: ");
  fprintf(stderr, fmt, arg);
  fprintf(stderr, "\nTry 'retort --help'.\n");
  return EXIT_USAGE;
}

/* Takes a global option at argv[*i] if it is one. Returns 1 when taken, 0 when not a
 * global option, -1 on a usage error (already reported). */
static int cli__global(int argc, char **argv, int *i, CliGlobals *g) {
  const char *a = argv[*i];
  const char **slot = NULL;
  const char *name = NULL;
  if (strncmp(a, "--project", 9) == 0 && (a[9] == '\0' || a[9] == '=')) {
    slot = &g->project;
    name = "--project";
  } else if (strncmp(a, "--database-url", 14) == 0 && (a[14] == '\0' || a[14] == '=')) {
    slot = &g->database_url;
    name = "--database-url";
  } else if (strncmp(a, "--format", 8) == 0 && (a[8] == '\0' || a[8] == '=')) {
    slot = &g->format;
    name = "--format";
  } else {
    return 0;
  }
  const char *eq = strchr(a, '=');
  if (eq) {
    *slot = eq + 1;
  } else if (*i + 1 < argc) {
    *slot = argv[++*i];
  } else {
    cli__usage_error("%s needs a value", name);
    return -1;
  }
  // The database of every tool call (it outranks DATABASE_URL, as the argument would).
  if (slot == &g->database_url) setenv("RETORT_DATABASE_URL", g->database_url, 1);
  if (slot == &g->format && strcmp(g->format, "text") != 0 && strcmp(g->format, "json") != 0 &&
      strcmp(g->format, "sarif") != 0) {
    cli__usage_error("--format must be text, json or sarif, not '%s'", g->format);
    return -1;
  }
  return 1;
}

static void cli__write_error_json(const RtError *err) {
  Buf b = BUF_INIT;
  JsonWriter w;
  jw_init(&w, &b);
  jw_object_begin(&w);
  jw_key(&w, "error");
  jw_object_begin(&w);
  jw_kv_string(&w, "kind", error_kind_name(err->kind));
  jw_kv_string(&w, "message", err->msg);
  jw_object_end(&w);
  jw_object_end(&w);
  fprintf(stdout, "%s\n", buf_cstr(&b));
  buf_free(&b);
}

/* The result's "summary" object (the exit code needs its error count). A full review is
 * megabytes of SQL, and parsing all of it to read one number cost a cold review some 5%:
 * review_migration writes "summary" last, so its object runs from after the last
 * `"summary":` to the document's closing brace. Anything else (no such key, or the text
 * there is not exactly one object) parses the whole document. */
static const Json *cli__summary(Arena *arena, const Buf *doc) {
  static const char KEY[] = "\"summary\":";
  const size_t klen = sizeof KEY - 1;
  RtError err = {0};
  size_t end = doc->len; // the document's closing brace
  while (end && (doc->data[end - 1] == '\n' || doc->data[end - 1] == ' ')) end--;
  if (end > klen + 1 && doc->data[--end] == '}') {
    size_t i = end - klen;
    while (i > 0 && memcmp(doc->data + i, KEY, klen) != 0) i--;
    const char *obj = doc->data + i + klen;
    const Json *s = i ? json_parse(arena, obj, (size_t)(doc->data + end - obj), NULL, &err, NULL)
                      : NULL;
    if (s && s->type == JSON_OBJECT) return s;
  }
  const Json *all = json_parse(arena, doc->data, doc->len, NULL, &err, NULL);
  return json_get(all, "summary");
}

/* Runs tool `name` with the JSON text `args` and prints as `format` says. `c` is the
 * friendly command (NULL for `retort call`): it decides SARIF and the findings exit code. */
static int cli__run_tool(const CliGlobals *g, const CliCommand *c, const char *name,
                         const char *args, size_t len) {
  Arena *arena = arena_new();
  ToolSession *s = tool_session_new(g->project);
  McpToolResult res = {BUF_INIT, BUF_INIT, false};
  RtError err = {0};
  int code = EXIT_OK;
  const char *format = !c ? "json" : g->format ? g->format : "text";
  const Json *parsed = json_parse(arena, args, len, NULL, &err, NULL);
  if (!parsed || parsed->type != JSON_OBJECT) {
    if (parsed) error_set(&err, ERR_PARAMS, "tool arguments must be a JSON object");
    err.kind = ERR_PARAMS;
    code = EXIT_USAGE;
  } else if (!tools_call(s, name, parsed, arena, &res, &err)) {
    code = err.kind == ERR_PARAMS ? EXIT_USAGE : EXIT_TOOL;
  } else if (res.is_error) {
    code = EXIT_TOOL;
  }
  const Json *out = NULL; // the whole result, for SARIF only
  if (code == EXIT_OK && res.structured.len && strcmp(format, "sarif") == 0)
    out = json_parse(arena, res.structured.data, res.structured.len, NULL, &err, NULL);
  if (code != EXIT_OK && !res.is_error) {
    if (strcmp(format, "text") != 0) cli__write_error_json(&err);
    fprintf(stderr, "retort %s: %s\n", c ? c->name : name, err.msg);
  } else if (strcmp(format, "sarif") == 0) {
    Buf sarif = BUF_INIT;
    sarif_write_review(&sarif, out, RETORT_VERSION);
    fprintf(stdout, "%s\n", buf_cstr(&sarif));
    buf_free(&sarif);
  } else if (strcmp(format, "json") == 0) {
    fprintf(stdout, "%s\n", res.structured.len ? buf_cstr(&res.structured) : "{}");
  } else {
    fwrite(buf_cstr(&res.text), 1, res.text.len, stdout);
  }
  // CI gates on the exit code: error-severity findings fail the command.
  if (code == EXIT_OK && c && c->fail_on_error && res.structured.len) {
    const Json *summary = out ? json_get(out, "summary") : cli__summary(arena, &res.structured);
    const Json *errors = json_get(summary, "errors");
    if (errors && errors->type == JSON_NUMBER && errors->num > 0) code = EXIT_TOOL;
  }
  fflush(stdout);
  buf_free(&res.text);
  buf_free(&res.structured);
  tool_session_delete(s);
  arena_delete(arena);
  return code;
}

static int cli__friendly(const CliCommand *c, int argc, char **argv, int i, CliGlobals *g) {
  Buf args = BUF_INIT;
  JsonWriter w;
  jw_init(&w, &args);
  jw_object_begin(&w);
  VEC(const char *) paths = {0};
  VEC(const char *) revs = {0};
  VEC(const char *) list = {0}; /* values of the command's OPT_LIST option */
  const CliOpt *list_opt = NULL;
  bool off_given = false;
  int rc = EXIT_OK;
  for (; i < argc && rc == EXIT_OK; i++) {
    int taken = cli__global(argc, argv, &i, g);
    if (taken < 0) {
      rc = EXIT_USAGE;
      break;
    }
    if (taken) continue;
    const char *a = argv[i];
    if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
      cli__usage(stdout);
      buf_free(&args);
      vec_free(&paths);
      vec_free(&revs);
      vec_free(&list);
      return EXIT_OK;
    }
    if (c->operand && (a[0] != '-' || isdigit((unsigned char)a[1]))) {
      if (revs.len) {
        rc = cli__usage_error("%s takes one TARGET", c->name);
        break;
      }
      vec_push(&revs, a);
      jw_key(&w, c->operand);
      jw_string(&w, a);
      continue;
    }
    if (c->operands_to && a[0] != '-') {
      vec_push(&revs, a);
      continue;
    }
    if (c->positional && (a[0] != '-' || isdigit((unsigned char)a[1]))) {
      struct stat st;
      if (stat(a, &st) == 0 && S_ISREG(st.st_mode)) vec_push(&paths, a);
      else vec_push(&revs, a);
      continue;
    }
    const CliOpt *hit = NULL;
    const char *value = NULL;
    for (const CliOpt *o = c->opts; o->long_name && !hit; o++) {
      size_t ln = strlen(o->long_name);
      if (a[0] == '-' && a[1] == '-' && strncmp(a + 2, o->long_name, ln) == 0 &&
          (a[2 + ln] == '\0' || a[2 + ln] == '=')) {
        hit = o;
        if (a[2 + ln] == '=') value = a + 3 + ln;
      } else if (o->short_name && a[0] == '-' && a[1] == o->short_name) {
        hit = o;
        if (a[2]) value = a + 2; /* -r-3: */
      }
    }
    if (!hit) {
      rc = cli__usage_error("unknown option '%s'", a);
      break;
    }
    if (c->off_unless && !strcmp(hit->key, c->off_unless)) off_given = true;
    if (hit->kind != OPT_LIST) jw_key(&w, hit->key);
    if (hit->kind == OPT_BOOL) {
      if (value) {
        rc = cli__usage_error("option '%s' takes no value", a);
        break;
      }
      // --dry-run is write=false; every other flag is its argument set to true.
      jw_bool(&w, strcmp(hit->long_name, "dry-run") != 0);
    } else {
      if (!value) {
        if (i + 1 >= argc) {
          rc = cli__usage_error("option '%s' needs a value", a);
          break;
        }
        value = argv[++i];
      }
      if (hit->kind == OPT_LIST) {
        list_opt = hit;
        vec_push(&list, value);
      } else if (hit->kind == OPT_INT) {
        char *end;
        long long n = strtoll(value, &end, 10);
        if (!*value || *end) {
          rc = cli__usage_error("option '%s' needs an integer", a);
          break;
        }
        jw_int(&w, n);
      } else {
        jw_string(&w, value);
      }
    }
  }
  if (rc == EXIT_OK && list_opt) {
    jw_key(&w, list_opt->key);
    tool_write_strings(&w, list.items, list.len);
  }
  if (rc == EXIT_OK && c->off_unless && !off_given) {
    jw_key(&w, c->off_unless);
    jw_bool(&w, false);
  }
  if (rc == EXIT_OK && c->operands_to) {
    // `merge heads`, `merge` alone, or `merge REV REV...`
    jw_key(&w, c->operands_to);
    if (revs.len == 0 || (revs.len == 1 && !strcmp(revs.items[0], "heads")))
      jw_string(&w, "heads");
    else
      tool_write_strings(&w, revs.items, revs.len);
    revs.len = 0;
  }
  vec_free(&list);
  if (rc == EXIT_OK && !c->operand && (paths.len || revs.len)) {
    // Operands: a file that exists is a path; anything else is a revision or range.
    if (paths.len) {
      jw_key(&w, "path");
      tool_write_strings(&w, paths.items, paths.len);
    }
    if (revs.len) {
      jw_key(&w, "revision");
      tool_write_strings(&w, revs.items, revs.len);
    }
  }
  jw_object_end(&w);
  vec_free(&paths);
  vec_free(&revs);
  if (rc == EXIT_OK && g->format && strcmp(g->format, "sarif") == 0 && !c->sarif)
    rc = cli__usage_error("--format sarif applies to review, not to %s", c->name);
  if (rc == EXIT_OK) rc = cli__run_tool(g, c, c->tool, buf_cstr(&args), args.len);
  buf_free(&args);
  return rc;
}

static int cli__serve(FramingMode mode, int argc, char **argv, int i, CliGlobals *g) {
  for (; i < argc; i++) {
    int taken = cli__global(argc, argv, &i, g);
    if (taken < 0) return EXIT_USAGE;
    if (!taken) return cli__usage_error("unexpected argument '%s'", argv[i]);
  }
  ToolSession *s = tool_session_new(g->project);
  LspFeatures *lsp = mode == FRAMING_NDJSON ? NULL : lsp_features_new(g->project);
  ServeOptions opt = {.mode = mode, .mcp = tool_session_mcp_info(s),
                      .lsp = lsp ? lsp_features_info(lsp) : NULL, .log_name = "retort"};
  int rc = rpc_serve(STDIN_FILENO, STDOUT_FILENO, &opt);
  lsp_features_delete(lsp);
  tool_session_delete(s);
  return rc;
}

int cli_main(int argc, char **argv) {
  CliGlobals g = {0};
  int i = 1;
  for (; i < argc; i++) {
    int taken = cli__global(argc, argv, &i, &g);
    if (taken < 0) return EXIT_USAGE;
    if (!taken) break;
  }
  if (i >= argc) {
    cli__usage(stderr);
    return EXIT_USAGE;
  }
  const char *cmd = argv[i++];
  if (strcmp(cmd, "-h") == 0 || strcmp(cmd, "--help") == 0 || strcmp(cmd, "help") == 0) {
    cli__usage(stdout);
    return EXIT_OK;
  }
  if (strcmp(cmd, "--version") == 0 || strcmp(cmd, "version") == 0) {
    fprintf(stdout, "retort %s\n", RETORT_VERSION);
    return EXIT_OK;
  }
  if (strcmp(cmd, "serve") == 0) return cli__serve(FRAMING_AUTO, argc, argv, i, &g);
  if (strcmp(cmd, "mcp") == 0) return cli__serve(FRAMING_NDJSON, argc, argv, i, &g);
  if (strcmp(cmd, "lsp") == 0) return cli__serve(FRAMING_LSP, argc, argv, i, &g);
  if (strcmp(cmd, "call") == 0) {
    const char *tool = NULL, *json = NULL;
    for (; i < argc; i++) {
      int taken = cli__global(argc, argv, &i, &g);
      if (taken < 0) return EXIT_USAGE;
      if (taken) continue;
      if (!tool) tool = argv[i];
      else if (!json) json = argv[i];
      else return cli__usage_error("call takes TOOL and one JSON argument; extra: '%s'", argv[i]);
    }
    if (!tool) return cli__usage_error("%s", "call needs a tool name: retort call TOOL '{...}'");
    if (!json) json = "{}";
    return cli__run_tool(&g, NULL, tool, json, strlen(json));
  }
  for (size_t k = 0; k < NCOMMANDS; k++)
    if (strcmp(cmd, COMMANDS[k].name) == 0) return cli__friendly(&COMMANDS[k], argc, argv, i, &g);
  return cli__usage_error("unknown command '%s'", cmd);
}
