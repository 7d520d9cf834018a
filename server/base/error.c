/* error.c - filling RtError. */
#include "server/base/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

bool error_set(RtError *e, ErrKind kind, const char *fmt, ...) {
  if (!e) return false;
  e->kind = kind;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(e->msg, sizeof e->msg, fmt, ap);
  va_end(ap);
  return false;
}

bool error_prefix(RtError *e, const char *fmt, ...) {
  if (!e) return false;
  char head[512], old[sizeof e->msg];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(head, sizeof head, fmt, ap);
  va_end(ap);
  memcpy(old, e->msg, sizeof old);
  // Truncation is acceptable here: the head of the message is what matters most.
  size_t hl = strlen(head);
  if (hl > sizeof e->msg - 3) hl = sizeof e->msg - 3;
  memcpy(e->msg, head, hl);
  memcpy(e->msg + hl, ": ", 2);
  size_t room = sizeof e->msg - hl - 3, ol = strlen(old);
  if (ol > room) ol = room;
  memcpy(e->msg + hl + 2, old, ol);
  e->msg[hl + 2 + ol] = '\0';
  return false;
}

const char *error_kind_name(ErrKind kind) {
  switch (kind) {
  case ERR_NONE: return "none";
  case ERR_PARAMS: return "invalid_params";
  case ERR_NOT_FOUND: return "not_found";
  case ERR_CONFIG: return "config";
  case ERR_IO: return "io";
  case ERR_DB: return "database";
  case ERR_TARGET: return "target";
  case ERR_INTERNAL: return "internal";
  }
  return "unknown";
}
