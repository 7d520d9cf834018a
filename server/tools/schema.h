/* schema.h - tool argument checking against the tool's own inputSchema (a JSON Schema
 * subset: type, properties, required, additionalProperties, enum, items, minimum). */
#ifndef RETORT_TOOLS_SCHEMA_H
#define RETORT_TOOLS_SCHEMA_H
#include <stdbool.h>

#include "protocol/json.h"
#include "server/base/error.h"

/**
 * Checks `value` against `schema`. Returns false with err (ERR_PARAMS) naming the
 * offending argument path and what was expected, e.g.
 * "argument 'range' must be a string, got a number".
 */
bool schema_validate(const Json *schema, const Json *value, RtError *err);

#endif
