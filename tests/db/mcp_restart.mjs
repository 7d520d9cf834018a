// mcp_restart.mjs - one MCP session (the official TypeScript SDK client over stdio)
// survives a PostgreSQL restart between two tool calls: status, restart, status again
// (reconnected, reachable), then an upgrade plan and its confirm in the same session.
// Run by tests/db/run.sh (case fault_pg_restart) with the environment:
//   RETORT_BIN, PROJECT (an alembic project, tests/db/projects/lock), DB_URL (its
//   database, empty), RESTART_CMD (a shell command that restarts the cluster).
// The SDK comes from tests/e2e/node_modules (tests/npm-ci.sh tests/e2e installs it).
import assert from 'node:assert/strict';
import { execSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const sdk = path.join(here, '../e2e/node_modules/@modelcontextprotocol/sdk/dist/esm');
const { Client } = await import(path.join(sdk, 'client/index.js'));
const { StdioClientTransport } = await import(path.join(sdk, 'client/stdio.js'));

const { RETORT_BIN: retort, PROJECT: project, DB_URL: url, RESTART_CMD: restart } = process.env;
for (const [k, v] of Object.entries({ RETORT_BIN: retort, PROJECT: project, DB_URL: url, RESTART_CMD: restart })) {
  assert.ok(v, `${k} must be set`);
}
const TIMEOUT = { timeout: 30000 };

const env = { PATH: process.env.PATH, HOME: process.env.HOME || '/root', LANG: 'C.UTF-8' };
for (const k of ['ASAN_OPTIONS', 'UBSAN_OPTIONS', 'LSAN_OPTIONS']) {
  if (process.env[k] !== undefined) env[k] = process.env[k];
}
const transport = new StdioClientTransport({
  command: retort, args: ['mcp', '--project', project], env, cwd: project, stderr: 'pipe',
});
let serverStderr = '';
transport.stderr.on('data', (chunk) => { serverStderr += chunk; });
const client = new Client({ name: 'retort-db-restart', version: '1.0.0' });

function show(result) {
  return JSON.stringify(result, null, 1).slice(0, 3000);
}

async function call(name, args) {
  const result = await client.callTool({ name, arguments: { database_url: url, ...args } }, undefined, TIMEOUT);
  assert.ok(!result.isError, `${name} ${JSON.stringify(args)} failed:\n${show(result)}\nstderr:\n${serverStderr}`);
  assert.ok(result.structuredContent, `${name}: no structuredContent:\n${show(result)}`);
  return result.structuredContent;
}

let exitCode = 0;
try {
  await client.connect(transport, TIMEOUT);

  const before = await call('status', {});
  assert.equal(before.database?.reachable, true, `status before the restart: ${show(before)}`);
  assert.deepEqual(before.pending, ['l1', 'l2'], `pending before the restart: ${show(before)}`);
  console.log(`  status before the restart: reachable, server ${before.database?.server_version}`);

  execSync(restart, { stdio: 'inherit', shell: '/bin/bash' });
  console.log('  PostgreSQL restarted (pg_ctl restart -m fast)');

  const after = await call('status', {});
  assert.equal(after.database?.reachable, true, `status after the restart: ${show(after)}`);
  assert.deepEqual(after.pending, ['l1', 'l2'], `pending after the restart: ${show(after)}`);
  console.log('  status after the restart: reconnected, reachable');

  const plan = await call('upgrade', { target: 'head', engine: 'native' });
  assert.ok(plan.plan_id, `upgrade without confirm gave no plan_id: ${show(plan)}`);
  const done = await call('upgrade', { target: 'head', engine: 'native', confirm: plan.plan_id });
  const current = (done.current || []).map((c) => (typeof c === 'object' ? c.revision ?? c.version_num : c));
  assert.deepEqual(current, ['l2'], `upgrade after the restart: ${show(done)}`);
  console.log('  plan + confirm after the restart: applied, current l2');
} catch (e) {
  console.error(e?.stack || String(e));
  if (serverStderr) console.error(`--- retort stderr:\n${serverStderr.slice(-3000)}`);
  exitCode = 1;
} finally {
  await client.close().catch(() => {});
}
if (/AddressSanitizer|LeakSanitizer|runtime error:/.test(serverStderr)) {
  console.error(`the server reported a sanitizer error:\n${serverStderr}`);
  exitCode = 1;
}
process.exit(exitCode);
