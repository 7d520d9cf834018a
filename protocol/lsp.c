/* lsp.c - the LSP lifecycle: initialize (position encoding negotiation), initialized,
 * shutdown, exit; everything else goes through the feature table or gets -32601. */
#include "protocol/lsp.h"

#include <stdlib.h>
#include <string.h>

#include "server/base/mem.h"

typedef enum LspState { LSP_STARTING, LSP_RUNNING, LSP_SHUT_DOWN } LspState;

struct LspSession {
  const LspServerInfo *info;
  LspState state;
  LspPositionEncoding encoding;
  bool exited;
  int exit_code;
};

LspSession *lsp_session_new(const LspServerInfo *info) {
  LspSession *s = xcalloc(1, sizeof *s);
  s->info = info;
  return s;
}

void lsp_session_delete(LspSession *s) { free(s); }

bool lsp_session_exited(const LspSession *s, int *code) {
  if (s->exited && code) *code = s->exit_code;
  return s->exited;
}

LspPositionEncoding lsp_session_encoding(const LspSession *s) { return s->encoding; }

/* Length of the UTF-8 sequence at p[0, n) (1 for an invalid byte) and its width in
 * UTF-16 code units. */
static size_t lsp__char(const unsigned char *p, size_t n, uint32_t *units) {
  unsigned char c = p[0];
  size_t want = c < 0x80              ? 1
                : (c & 0xE0) == 0xC0 ? 2
                : (c & 0xF0) == 0xE0 ? 3
                : (c & 0xF8) == 0xF0 ? 4
                                     : 0;
  *units = 1;
  if (want <= 1 || want > n) return 1;
  for (size_t k = 1; k < want; k++)
    if ((p[k] & 0xC0) != 0x80) return 1;
  if (want == 4) *units = 2;
  return want;
}

size_t lsp_position_to_offset(const char *text, size_t len, uint32_t line, uint32_t character,
                              LspPositionEncoding enc) {
  size_t i = 0;
  for (uint32_t l = 0; l < line; l++) {
    const char *nl = memchr(text + i, '\n', len - i);
    if (!nl) return len;
    i = (size_t)(nl - text) + 1;
  }
  const char *nl = memchr(text + i, '\n', len - i);
  size_t end = nl ? (size_t)(nl - text) : len;
  if (end > i && text[end - 1] == '\r') end--;
  if (enc == LSP_ENCODING_UTF8) return character < end - i ? i + character : end;
  uint32_t units = 0;
  while (i < end) {
    uint32_t w;
    size_t step = lsp__char((const unsigned char *)text + i, end - i, &w);
    if (units + w > character) break;
    units += w;
    i += step;
  }
  return i;
}

void lsp_offset_to_position(const char *text, size_t len, size_t offset, LspPositionEncoding enc,
                            uint32_t *line, uint32_t *character) {
  if (offset > len) offset = len;
  uint32_t l = 0;
  size_t start = 0;
  for (const char *p = text, *nl; (nl = memchr(p, '\n', (size_t)(text + offset - p))) != NULL;
       p = nl + 1) {
    l++;
    start = (size_t)(nl - text) + 1;
  }
  *line = l;
  if (enc == LSP_ENCODING_UTF8) {
    *character = (uint32_t)(offset - start);
    return;
  }
  uint32_t units = 0;
  size_t i = start;
  while (i < offset) {
    uint32_t w;
    size_t step = lsp__char((const unsigned char *)text + i, len - i, &w);
    if (i + step > offset) break;  // inside a sequence: stop at its start
    units += w;
    i += step;
  }
  *character = units;
}

/* utf-8 when the client lists it in capabilities.general.positionEncodings, else the
 * mandatory default utf-16 (LSP 3.17). */
static LspPositionEncoding lsp__negotiate_encoding(const Json *params) {
  const Json *encs = json_get(json_get(json_get(params, "capabilities"), "general"), "positionEncodings");
  if (!encs || encs->type != JSON_ARRAY) return LSP_ENCODING_UTF16;
  for (size_t i = 0; i < encs->n; i++)
    if (encs->items[i]->type == JSON_STRING && strcmp(encs->items[i]->str, "utf-8") == 0) return LSP_ENCODING_UTF8;
  return LSP_ENCODING_UTF16;
}

static int lsp__initialize(LspSession *s, RpcCall *call, RtError *err) {
  if (s->state != LSP_STARTING)
    return error_set(err, ERR_PARAMS, "initialize was already received"), RPC_INVALID_REQUEST;
  const Json *params = call->msg->params;
  if (!params || params->type != JSON_OBJECT)
    return error_set(err, ERR_PARAMS, "initialize needs InitializeParams (an object)"), RPC_INVALID_PARAMS;
  s->encoding = lsp__negotiate_encoding(params);
  s->state = LSP_RUNNING;
  const LspServerInfo *info = s->info;
  JsonWriter w;
  jw_init(&w, call->result);
  jw_object_begin(&w);
  jw_key(&w, "capabilities");
  jw_object_begin(&w);
  jw_kv_string(&w, "positionEncoding", s->encoding == LSP_ENCODING_UTF8 ? "utf-8" : "utf-16");
  jw_key(&w, "textDocumentSync");
  jw_object_begin(&w);
  jw_kv_bool(&w, "openClose", true);
  // TextDocumentSyncKind: 1 = Full, 2 = Incremental (the feature layer applies ranges)
  jw_kv_int(&w, "change", info && info->incremental_sync ? 2 : 1);
  jw_key(&w, "save");
  jw_object_begin(&w);
  jw_kv_bool(&w, "includeText", false);
  jw_object_end(&w);
  jw_object_end(&w);
  if (info && info->capabilities_extra && *info->capabilities_extra) {
    buf_putc(call->result, ',');
    buf_puts(call->result, info->capabilities_extra);
  }
  jw_object_end(&w);
  jw_key(&w, "serverInfo");
  jw_object_begin(&w);
  jw_kv_string(&w, "name", info && info->name ? info->name : "retort");
  if (info && info->version) jw_kv_string(&w, "version", info->version);
  jw_object_end(&w);
  jw_object_end(&w);
  return 0;
}

int lsp_handle(void *session, RpcCall *call, RtError *err) {
  LspSession *s = session;
  const RpcMessage *msg = call->msg;
  const char *m = msg->method;
  bool request = msg->kind == RPC_REQUEST;

  if (strcmp(m, "exit") == 0) {
    s->exited = true;
    s->exit_code = s->state == LSP_SHUT_DOWN ? 0 : 1;
    return 0;
  }
  if (request && strcmp(m, "initialize") == 0) return lsp__initialize(s, call, err);
  if (s->state == LSP_STARTING) {
    if (!request) return 0; // notifications before initialize are dropped (LSP 3.17)
    return error_set(err, ERR_PARAMS, "Server not initialized: send initialize first (got %s)", m),
           RPC_SERVER_NOT_INITIALIZED;
  }
  if (s->state == LSP_SHUT_DOWN) {
    if (!request) return 0;
    return error_set(err, ERR_PARAMS, "the server is shut down: only exit is accepted (got %s)", m),
           RPC_INVALID_REQUEST;
  }
  if (strcmp(m, "initialized") == 0 && !request) return 0;
  if (request && strcmp(m, "shutdown") == 0) {
    s->state = LSP_SHUT_DOWN;
    return 0; // result: null
  }
  const LspServerInfo *info = s->info;
  for (size_t i = 0; info && i < info->nmethods; i++)
    if (strcmp(info->methods[i].method, m) == 0) return info->methods[i].fn(info->ctx, s, call, err);
  if (!request) return 0; // unknown notifications ($/cancelRequest, $/setTrace, ...) are ignored
  return error_set(err, ERR_PARAMS, "Method not found: %s", m), RPC_METHOD_NOT_FOUND;
}
