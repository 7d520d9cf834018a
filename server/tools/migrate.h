/* migrate.h - the `upgrade` and `downgrade` tools (server/tools/migrate.c holds both:
 * plan, plan_id and confirm, sql_only scripts, the native and alembic engines). */
#ifndef RETORT_TOOLS_MIGRATE_H
#define RETORT_TOOLS_MIGRATE_H
#include "server/tools/tools.h"

/**
 * upgrade / downgrade: without a matching `confirm` (or with sql_only) the plan — steps,
 * their SQL and findings, plan_id; with `confirm` equal to the plan_id of the plan
 * computed now (not needed on the scratch cluster), runs it. A database error during
 * the run is an isError result whose structuredContent carries applied, current and
 * failed; so is a stale confirm (with the new plan). Other failures return false.
 */
bool tool_upgrade(ToolSession *s, const McpToolCall *call, McpToolResult *res, RtError *err);
bool tool_downgrade(ToolSession *s, const McpToolCall *call, McpToolResult *res, RtError *err);

#endif
