/* conn.c - which database a call uses, URL conversion, connections, the version table. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "server/base/buf.h"
#include "server/base/mem.h"
#include "server/db/db_internal.h"

static const int DB_CONNECT_TIMEOUT_S = 10;

/* ---- URL conversion ----------------------------------------------------------------- */

static bool conn__is_hex(char c) { return isxdigit((unsigned char)c) != 0; }

/* Appends `s[0..n)` percent-encoding every byte a libpq URI userinfo cannot carry raw;
 * valid %XX escapes are kept (libpq decodes them, as SQLAlchemy's unquote does). */
static void conn__put_userinfo(Buf *b, const char *s, size_t n) {
  static const char safe[] = "-._~!$&'()*+,;=";
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    if (c == '%' && i + 2 < n && conn__is_hex(s[i + 1]) && conn__is_hex(s[i + 2])) {
      buf_append(b, s + i, 3);
      i += 2;
    } else if (isalnum(c) || (c && strchr(safe, c))) {
      buf_putc(b, (char)c);
    } else {
      buf_printf(b, "%%%02X", c);
    }
  }
}

/* Whether libpq knows connection keyword `k` (n bytes). */
static bool conn__libpq_keyword(const char *k, size_t n) {
  PQconninfoOption *opts = PQconndefaults();
  bool found = false;
  for (PQconninfoOption *o = opts; o && o->keyword; o++)
    if (strlen(o->keyword) == n && strncmp(o->keyword, k, n) == 0) found = true;
  PQconninfoFree(opts);
  return found;
}

/* The libpq form of an `ssl=` query value (n bytes): "ssl=true", "sslmode=<mode>"; NULL
 * when it means nothing known. */
static const char *conn__ssl_mode(const char *v, size_t n) {
  static const char *const modes[] = {"sslmode=disable", "sslmode=allow", "sslmode=prefer",
                                      "sslmode=require", "sslmode=verify-ca",
                                      "sslmode=verify-full"};
  for (size_t i = 0; i < sizeof modes / sizeof *modes; i++)
    if (strlen(modes[i]) - 8 == n && strncasecmp(modes[i] + 8, v, n) == 0) return modes[i];
  if ((n == 4 && strncasecmp(v, "true", 4) == 0) || (n == 1 && *v == '1')) return "ssl=true";
  if ((n == 5 && strncasecmp(v, "false", 5) == 0) || (n == 1 && *v == '0'))
    return "sslmode=disable";
  return NULL;
}

/* The scheme of `url` ("postgresql+psycopg2"), or false when it has none. */
static bool conn__scheme(const char *url, size_t *len) {
  const char *sep = strstr(url, "://");
  if (!sep || sep == url) return false;
  for (const char *c = url; c < sep; c++)
    if (!isalnum((unsigned char)*c) && *c != '+' && *c != '_' && *c != '.' && *c != '-')
      return false;
  *len = (size_t)(sep - url);
  return true;
}

/* Where the userinfo of `rest` (a URL after "scheme://") ends (*at, NULL for none) and
 * where its query starts (*q, NULL for none). See db_url_to_conninfo. */
static void conn__split(const char *rest, const char **at, const char **q) {
  const char *first_at = strchr(rest, '@');
  *at = NULL;
  if (!first_at) {
    *q = strchr(rest, '?');
    return;
  }
  *q = strchr(first_at, '?');
  const char *end = *q ? *q : rest + strlen(rest);
  for (const char *c = rest; c < end; c++)
    if (*c == '@') *at = c;
}

/* Replaces every occurrence of `secret` in msg with "***". */
static void conn__scrub_one(char *msg, const char *secret) {
  size_t sl = secret ? strlen(secret) : 0;
  if (!sl) return;
  char *p = msg;
  while ((p = strstr(p, secret)) != NULL) {
    size_t tail = strlen(p + sl);
    if (sl >= 3) {
      memcpy(p, "***", 3);
      memmove(p + 3, p + sl, tail + 1);
    } else {  // shorter than "***": starred in place
      memset(p, '*', sl);
    }
    p += sl >= 3 ? 3 : sl;
  }
}

/* Belt and braces for messages built from libpq's: removes the password `conninfo`
 * carries, as libpq decodes it and as written in a URI, wherever it appears in msg. */
static void conn__scrub(char *msg, const char *conninfo) {
  if (!conninfo) return;
  char *perr = NULL;
  PQconninfoOption *opts = PQconninfoParse(conninfo, &perr);
  if (perr) PQfreemem(perr);
  for (PQconninfoOption *o = opts; o && o->keyword; o++)
    if (strcmp(o->keyword, "password") == 0) conn__scrub_one(msg, o->val);
  PQconninfoFree(opts);
  const char *sep = strstr(conninfo, "://");
  if (!sep) return;
  const char *at, *q;
  conn__split(sep + 3, &at, &q);
  const char *colon = at ? memchr(sep + 3, ':', (size_t)(at - sep - 3)) : NULL;
  if (colon) {
    char *raw = xstrndup(colon + 1, (size_t)(at - colon - 1));
    conn__scrub_one(msg, raw);
    free(raw);
  }
}

/* Percent-decodes s[0..n) (invalid escapes kept as written). Caller frees. */
static char *conn__decode(const char *s, size_t n) {
  char *d = xmalloc(n + 1);
  size_t j = 0;
  for (size_t i = 0; i < n; i++) {
    if (s[i] == '%' && i + 2 < n && conn__is_hex(s[i + 1]) && conn__is_hex(s[i + 2])) {
      char hex[3] = {s[i + 1], s[i + 2], 0};
      d[j++] = (char)strtol(hex, NULL, 16);
      i += 2;
    } else {
      d[j++] = s[i];
    }
  }
  d[j] = '\0';
  return d;
}

static void conn__scrub_both(char *text, const char *raw, size_t n) {
  char *r = xstrndup(raw, n), *d = conn__decode(raw, n);
  conn__scrub_one(text, r);
  conn__scrub_one(text, d);
  free(r);
  free(d);
}

void db_scrub_password(char *text, const char *url) {
  if (!text || !url) return;
  while (isspace((unsigned char)*url)) url++;
  // As libpq reads it (keyword/value strings, libpq URIs) ...
  conn__scrub(text, url);
  char *ci = NULL;
  if (db_url_to_conninfo(url, &ci, NULL)) {
    conn__scrub(text, ci);
    free(ci);
  }
  // ... and as written in any URL: the userinfo password (both split rules: ours, and
  // the masker's last '@') and password= query parameters.
  const char *sep = strstr(url, "://");
  if (!sep) return;
  const char *rest = sep + 3, *at, *q;
  conn__split(rest, &at, &q);
  const char *ats[2] = {at, strrchr(rest, '@')};
  for (int k = 0; k < 2; k++) {
    const char *colon = ats[k] ? memchr(rest, ':', (size_t)(ats[k] - rest)) : NULL;
    if (colon) conn__scrub_both(text, colon + 1, (size_t)(ats[k] - colon - 1));
  }
  for (const char *p = strchr(rest, '?'); p; p = strchr(p + 1, '&')) {
    if (strncasecmp(p + 1, "password=", 9) != 0) continue;
    const char *v = p + 10;
    conn__scrub_both(text, v, strcspn(v, "&#"));
  }
}

/* Hands `conninfo` (taken) to *out when libpq can read it. libpq's parse errors may quote
 * the URL, so a message that quotes anything is not shown: the masked `url` is. */
static bool conn__check(char *conninfo, const char *url, char **out, RtError *err) {
  char *perr = NULL;
  PQconninfoOption *opts = PQconninfoParse(conninfo, &perr);
  if (!opts) {
    char *m = project_masked_url(url);
    bool quotes = perr && strchr(perr, '"');
    char why[512] = "";
    if (perr && !quotes) snprintf(why, sizeof why, " (%.*s)", (int)strcspn(perr, "\n"), perr);
    error_set(err, ERR_PARAMS,
              "libpq cannot read the database URL '%s'%s: check its syntax "
              "(postgresql://user:password@host:port/dbname?sslmode=..., with special "
              "characters in the password percent-encoded, e.g. '@' as %%40)",
              m, why);
    free(m);
    if (perr) PQfreemem(perr);
    free(conninfo);
    return false;
  }
  PQconninfoFree(opts);
  *out = conninfo;
  return true;
}

bool db_url_to_conninfo(const char *url, char **out, RtError *err) {
  *out = NULL;
  if (!url) url = "";
  while (isspace((unsigned char)*url)) url++;
  size_t ulen = strlen(url);
  while (ulen && isspace((unsigned char)url[ulen - 1])) ulen--;
  char *u = xstrndup(url, ulen);
  size_t slen;
  if (!conn__scheme(u, &slen)) {
    // No scheme: a libpq keyword/value string ("host=/sock dbname=app") passes through.
    if (*u && project_url_is_postgres(u)) return conn__check(u, u, out, err);
    // Not quoted: a value that is not a URL may well be a password pasted by mistake.
    error_set(err, ERR_PARAMS,
              "the value (%zu characters, not shown) is not a database URL: expected "
              "postgresql://user@host:5432/dbname, an SQLAlchemy URL such as "
              "postgresql+psycopg2://..., or a libpq string such as "
              "'host=/var/run/postgresql dbname=app'",
              strlen(u));
    free(u);
    return false;
  }
  const char *plus = memchr(u, '+', slen);
  size_t base = plus ? (size_t)(plus - u) : slen;
  if (!((base == 10 && strncasecmp(u, "postgresql", 10) == 0) ||
        (base == 8 && strncasecmp(u, "postgres", 8) == 0))) {
    char *m = project_masked_url(u);
    error_set(err, ERR_PARAMS,
              "'%s' is not a PostgreSQL URL (scheme '%.*s'): retort works with PostgreSQL "
              "only; give a postgresql:// URL",
              m, (int)slen, u);
    free(m);
    free(u);
    return false;
  }

  // Split as SQLAlchemy does (a raw '?', '/', '#' or ':' in the password stays in it),
  // except that an unencoded '@' in the password stays in it too, as masking assumes:
  // the userinfo ends at the last '@' before the first '?' that follows an '@'.
  const char *rest = u + slen + 3;
  const char *at = NULL, *q;
  conn__split(rest, &at, &q);
  const char *end = q ? q : rest + strlen(rest);
  Buf b = BUF_INIT;
  buf_puts(&b, "postgresql://");
  const char *hostpart = rest;
  if (at) {
    const char *colon = memchr(rest, ':', (size_t)(at - rest));
    const char *uend = colon ? colon : at;
    conn__put_userinfo(&b, rest, (size_t)(uend - rest));
    if (colon) {
      buf_putc(&b, ':');
      conn__put_userinfo(&b, colon + 1, (size_t)(at - colon - 1));
    }
    buf_putc(&b, '@');
    hostpart = at + 1;
  }
  // Host, port and database as written (IPv6 [::1], several hosts, escapes: libpq's).
  buf_append(&b, hostpart, (size_t)(end - hostpart));
  if (q) {
    // Keep the parameters libpq knows; drop SQLAlchemy's and the driver's own.
    bool first = true;
    const char *p = q + 1;
    while (*p) {
      const char *amp = strchr(p, '&');
      size_t n = amp ? (size_t)(amp - p) : strlen(p);
      const char *eq = memchr(p, '=', n);
      size_t kn = eq ? (size_t)(eq - p) : n;
      if (kn == 3 && eq && strncmp(p, "ssl", 3) == 0) {
        // asyncpg's ssl=<sslmode> / ssl=false; libpq knows only ssl=true. Never dropped:
        // silently connecting without the TLS the user asked for is not an option.
        const char *mode = conn__ssl_mode(eq + 1, n - 4);
        if (!mode) {
          buf_free(&b);
          char *m = project_masked_url(u);
          error_set(err, ERR_PARAMS,
                    "'%s': ssl=%.*s is not understood; use sslmode=disable|allow|prefer|"
                    "require|verify-ca|verify-full",
                    m, (int)(n - 4), eq + 1);
          free(m);
          free(u);
          return false;
        }
        buf_printf(&b, "%c%s", first ? '?' : '&', mode);
        first = false;
      } else if (kn > 0 && eq && conn__libpq_keyword(p, kn)) {
        buf_putc(&b, first ? '?' : '&');
        buf_append(&b, p, n);
        first = false;
      }
      p += n;
      if (*p == '&') p++;
    }
  }
  char *conninfo = buf_detach(&b);
  bool ok = conn__check(conninfo, u, out, err);
  free(u);
  return ok;
}

/* ---- resolution --------------------------------------------------------------------- */

void db_target_free(DbTarget *t) {
  if (!t) return;
  free(t->conninfo);
  free(t->masked);
  free(t->scratch_dir);
  memset(t, 0, sizeof *t);
}

static bool conn__from_url(const char *url, const char *source, ErrKind kind, DbTarget *out,
                           RtError *err) {
  char *ci = NULL;
  if (!db_url_to_conninfo(url, &ci, err)) {
    if (err) err->kind = kind;
    error_prefix(err, "%s", source);
    return false;
  }
  out->kind = DB_KIND_URL;
  out->conninfo = ci;
  out->masked = project_masked_url(url);
  out->source = source;
  return true;
}

bool db_target_resolve(const Project *p, const char *arg_url, DbTarget *out, RtError *err) {
  memset(out, 0, sizeof *out);
  if (arg_url && *arg_url) return conn__from_url(arg_url, "database_url", ERR_PARAMS, out, err);
  static const char *const envs[] = {"RETORT_DATABASE_URL", "DATABASE_URL"};
  for (size_t i = 0; i < 2; i++) {
    const char *v = getenv(envs[i]);
    if (v && *v) return conn__from_url(v, envs[i], ERR_PARAMS, out, err);
  }
  if (p && p->sqlalchemy_url_error)
    return error_set(err, ERR_CONFIG,
                     "sqlalchemy.url in %s: %s; fix it, or pass database_url / set "
                     "RETORT_DATABASE_URL to choose the database",
                     p->ini_path ? p->ini_path : "alembic.ini", p->sqlalchemy_url_error);
  if (p && p->sqlalchemy_url && project_url_is_postgres(p->sqlalchemy_url)) {
    if (!conn__from_url(p->sqlalchemy_url, "sqlalchemy.url", ERR_CONFIG, out, err)) {
      if (p->ini_path) error_prefix(err, "%s", p->ini_path);
      return false;
    }
    return true;
  }
  char cwd[4096];
  const char *root = p ? p->root : (getcwd(cwd, sizeof cwd) ? cwd : ".");
  out->kind = DB_KIND_SCRATCH;
  out->source = "scratch";
  out->scratch_dir = scratch_dir_for(root);
  Buf m = BUF_INIT;
  buf_printf(&m, "scratch:%s/data", out->scratch_dir);
  out->masked = buf_detach(&m);
  return true;
}

/* ---- connections -------------------------------------------------------------------- */

const char *db_conn_error(PGconn *conn, char *buf, size_t n) {
  const char *m = conn ? PQerrorMessage(conn) : "out of memory";
  size_t j = 0;
  for (size_t i = 0; m[i] && j + 3 < n; i++) {
    if (m[i] == '\n') {
      while (m[i + 1] == ' ' || m[i + 1] == '\t') i++;  // libpq indents its hints
      if (!m[i + 1]) break;
      buf[j++] = ';';
      buf[j++] = ' ';
    } else {
      buf[j++] = m[i];
    }
  }
  buf[j] = '\0';
  while (j && (buf[j - 1] == ' ' || buf[j - 1] == ';')) buf[--j] = '\0';
  if (!j) snprintf(buf, n, "no reason given by libpq");
  return buf;
}

static void conn__copy_target(DbTarget *dst, const DbTarget *src) {
  dst->kind = src->kind;
  dst->conninfo = src->conninfo ? xstrdup(src->conninfo) : NULL;
  // A target built by hand may lack the masked form: derive it, never print conninfo.
  dst->masked = src->masked      ? xstrdup(src->masked)
                : src->conninfo  ? project_masked_url(src->conninfo)
                : src->scratch_dir ? xstrdup(src->scratch_dir)
                                   : xstrdup("(unnamed database)");
  dst->source = src->source;
  dst->scratch_dir = src->scratch_dir ? xstrdup(src->scratch_dir) : NULL;
}

static PGconn *conn__open(const char *conninfo) {
  char timeout[16];
  snprintf(timeout, sizeof timeout, "%d", DB_CONNECT_TIMEOUT_S);
  // Earlier entries are defaults the connection string may override.
  const char *const keys[] = {"connect_timeout", "fallback_application_name", "dbname", NULL};
  const char *const vals[] = {timeout, "retort", conninfo, NULL};
  return PQconnectdbParams(keys, vals, 1);
}

static void conn__read_version(Db *db) {
  const char *v = PQparameterStatus(db->conn, "server_version");
  size_t n = v ? strcspn(v, " ") : 0;
  if (n >= sizeof db->server_version) n = sizeof db->server_version - 1;
  memcpy(db->server_version, v ? v : "", n);
  db->server_version[n] = '\0';
  db->server_version_num = PQserverVersion(db->conn);
}

/* For the scratch cluster: starts it and fills t->conninfo. */
static bool conn__prepare(DbTarget *t, RtError *err) {
  if (t->kind != DB_KIND_SCRATCH) return true;
  char *ci = NULL;
  if (!scratch_ensure(t->scratch_dir, &ci, err)) return false;
  free(t->conninfo);
  t->conninfo = ci;
  return true;
}

bool db_connect(const DbTarget *t, Db **out, RtError *err) {
  *out = NULL;
  Db *db = xcalloc(1, sizeof *db);
  conn__copy_target(&db->target, t);
  if (!conn__prepare(&db->target, err)) goto fail;
  if (!db->target.conninfo) {
    error_set(err, ERR_INTERNAL, "no connection string for %s", db->target.masked);
    goto fail;
  }
  db->conn = conn__open(db->target.conninfo);
  if (db->target.kind == DB_KIND_SCRATCH && PQstatus(db->conn) != CONNECTION_OK) {
    // The postmaster may have died since scratch_ensure saw it: once more, restarting it.
    PQfinish(db->conn);
    db->conn = NULL;
    if (!conn__prepare(&db->target, err)) goto fail;
    db->conn = conn__open(db->target.conninfo);
  }
  if (!db->conn || PQstatus(db->conn) != CONNECTION_OK) {
    char why[1024];
    db_conn_error(db->conn, why, sizeof why);
    conn__scrub(why, db->target.conninfo);  // libpq's part only: the masked URL is ours
    error_set(err, ERR_DB, "cannot connect to %s (from %s): %s", db->target.masked,
              db->target.source ? db->target.source : "?", why);
    goto fail;
  }
  conn__read_version(db);
  *out = db;
  return true;
fail:
  db_close(db);
  return false;
}

void db_close(Db *db) {
  if (!db) return;
  if (db->conn) PQfinish(db->conn);
  db_target_free(&db->target);
  free(db);
}

bool db_alive(Db *db, RtError *err) {
  // A backend outlives a killed postmaster for a moment and still answers: for the
  // scratch cluster the postmaster itself is asked first.
  bool pm_gone = db->target.kind == DB_KIND_SCRATCH && !scratch_alive(db->target.scratch_dir);
  if (!pm_gone && db->conn && PQstatus(db->conn) == CONNECTION_OK) {
    // a query is running on it: it is in use, hence alive
    if (PQtransactionStatus(db->conn) == PQTRANS_ACTIVE) return true;
    PGresult *r = PQexec(db->conn, "");
    bool ok = r && PQresultStatus(r) == PGRES_EMPTY_QUERY;
    PQclear(r);
    if (ok) return true;
  }
  // Gone (server restarted, or the scratch cluster stopped): one reconnect.
  if (!conn__prepare(&db->target, err)) {
    error_prefix(err, "the connection to %s was lost and the cluster cannot be restarted",
                 db->target.masked);
    return false;
  }
  PGconn *c = conn__open(db->target.conninfo);
  if (!c || PQstatus(c) != CONNECTION_OK) {
    char why[1024];
    db_conn_error(c, why, sizeof why);
    conn__scrub(why, db->target.conninfo);
    error_set(err, ERR_DB, "the connection to %s was lost and reconnecting failed: %s",
              db->target.masked, why);
    if (c) PQfinish(c);
    return false;
  }
  if (db->conn) PQfinish(db->conn);
  db->conn = c;
  conn__read_version(db);
  return true;
}

const DbTarget *db_target(const Db *db) { return &db->target; }
const char *db_server_version(const Db *db) { return db->server_version; }
int db_server_version_num(const Db *db) { return db->server_version_num; }

/* ---- the version table -------------------------------------------------------------- */

bool db_version_rows(Db *db, const char *schema, const char *table, char ***rows, size_t *n,
                     bool *exists, RtError *err) {
  *rows = NULL;
  *n = 0;
  *exists = false;
  if (!table || !*table) table = "alembic_version";
  if (schema && !*schema) schema = NULL;
  char *qt = PQescapeIdentifier(db->conn, table, strlen(table));
  char *qs = schema ? PQescapeIdentifier(db->conn, schema, strlen(schema)) : NULL;
  PGresult *r = NULL;
  bool ok = false;
  Buf name = BUF_INIT, sql = BUF_INIT;
  char why[1024];
  if (!qt || (schema && !qs)) {
    error_set(err, ERR_DB, "cannot quote the version table name: %s",
              db_conn_error(db->conn, why, sizeof why));
    goto done;
  }
  if (qs) buf_printf(&name, "%s.", qs);
  buf_puts(&name, qt);
  const char *params[1] = {buf_cstr(&name)};
  r = PQexecParams(db->conn, "SELECT to_regclass($1) IS NOT NULL", 1, NULL, params, NULL, NULL,
                   0);
  if (PQresultStatus(r) != PGRES_TUPLES_OK) {
    error_set(err, ERR_DB, "cannot look up the version table %s in %s: %s", buf_cstr(&name),
              db->target.masked, db_conn_error(db->conn, why, sizeof why));
    goto done;
  }
  bool there = PQgetvalue(r, 0, 0)[0] == 't';
  PQclear(r);
  r = NULL;
  if (!there) {
    ok = true;
    goto done;
  }
  buf_printf(&sql, "SELECT version_num FROM %s ORDER BY version_num COLLATE \"C\"", buf_cstr(&name));
  r = PQexecParams(db->conn, buf_cstr(&sql), 0, NULL, NULL, NULL, NULL, 0);
  if (PQresultStatus(r) != PGRES_TUPLES_OK) {
    error_set(err, ERR_DB, "cannot read the version table %s in %s: %s", buf_cstr(&name),
              db->target.masked, db_conn_error(db->conn, why, sizeof why));
    goto done;
  }
  size_t cnt = (size_t)PQntuples(r), bytes = (cnt + 1) * sizeof(char *);
  for (size_t i = 0; i < cnt; i++) bytes += (size_t)PQgetlength(r, (int)i, 0) + 1;
  char **out = xmalloc(bytes);
  char *s = (char *)(out + cnt + 1);
  for (size_t i = 0; i < cnt; i++) {
    size_t l = (size_t)PQgetlength(r, (int)i, 0);
    memcpy(s, PQgetvalue(r, (int)i, 0), l);
    s[l] = '\0';
    out[i] = s;
    s += l + 1;
  }
  out[cnt] = NULL;
  *rows = out;
  *n = cnt;
  *exists = true;
  ok = true;
done:
  PQclear(r);
  if (qt) PQfreemem(qt);
  if (qs) PQfreemem(qs);
  buf_free(&name);
  buf_free(&sql);
  return ok;
}
