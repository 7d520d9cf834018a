// mcp_db.test.mjs - the official MCP TypeScript SDK drives `retort mcp` against its own
// scratch cluster (RETORT_SCRATCH_DIR = a fresh directory, no DATABASE_URL): status
// (everything pending) → the plan when asked (sql_only: nothing applied) → upgrade with
// progress notifications (no confirm needed on the scratch cluster, DESIGN.md) → status
// up to date → downgrade base → status; plan → confirm → status, the same confirm again
// refused as stale; then a cancelled upgrade (notifications/cancelled
// during a pg_sleep) rolls back to the last committed revision and a rerun completes.
// The cluster stops when the server exits.
// Projects: copies of tests/db/projects/branches (9 revisions, two heads, a merge) and
// tests/db/projects/slow (3 revisions, the second sleeps 2 s).
// Run from tests/e2e: RETORT_BIN=../../build/retort node --test mcp_db.test.mjs
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, chmodSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';

import { stopScratch } from './scratch.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '../..');
const fixtures = path.join(repo, 'tests/db/projects');
const retort = process.env.RETORT_BIN && path.resolve(process.env.RETORT_BIN);

// What tests/db/projects/branches is: keep in step with its versions directory.
const ALL = ['1a0000000001', '2b0000000002', '3c0000000003', '4d0000000004', '5e0000000005',
  '6f0000000006', '7a0000000007', '8b0000000008', '9c0000000009'];
const HEADS = ['8b0000000008', '9c0000000009'];

// Scratch start (initdb) may take a few seconds on a loaded machine.
const TIMEOUT = { timeout: 60000 };

let client;
let scratch;
let work;
let serverStderr = '';

const sorted = (a) => [...(a ?? [])].sort();

async function call(name, args, options = {}) {
  const result = await client.callTool({ name, arguments: args }, undefined, { ...TIMEOUT, ...options });
  const shown = JSON.stringify(result, null, 1).slice(0, 3000);
  assert.ok(!result.isError, `${name} ${JSON.stringify(args)} is an error:\n${shown}\n--- stderr:\n${serverStderr.slice(-2000)}`);
  assert.ok(result.structuredContent, `${name}: no structuredContent:\n${shown}`);
  assert.ok(result.content?.some((c) => c.type === 'text' && c.text.length > 0), `${name}: no text content`);
  return result.structuredContent;
}

before(async () => {
  assert.ok(retort, 'RETORT_BIN must name the retort binary');
  assert.ok(existsSync(retort), `no retort binary at ${retort}`);
  // Under /tmp and world-searchable: as root the cluster runs as the postgres user.
  work = mkdtempSync('/tmp/retort-mcpdb-');
  chmodSync(work, 0o755);
  scratch = path.join(work, 'scratch');
  const project = path.join(work, 'branches');
  cpSync(path.join(fixtures, 'branches'), project, { recursive: true });
  cpSync(path.join(fixtures, 'env.py'), path.join(project, 'migrations/env.py'));
  // No DATABASE_URL / RETORT_DATABASE_URL: the scratch cluster is the database.
  const env = { PATH: process.env.PATH, HOME: process.env.HOME || '/root', LANG: 'C.UTF-8',
    RETORT_SCRATCH_DIR: scratch };
  for (const k of ['ASAN_OPTIONS', 'UBSAN_OPTIONS', 'LSAN_OPTIONS']) {
    if (process.env[k] !== undefined) env[k] = process.env[k];
  }
  const transport = new StdioClientTransport({
    command: retort, args: ['mcp', '--project', project], env, cwd: project, stderr: 'pipe',
  });
  transport.stderr.on('data', (chunk) => {
    serverStderr += chunk;
    process.stderr.write(chunk); // sanitizer reports reach ctest's FAIL_REGULAR_EXPRESSION
  });
  client = new Client({ name: 'retort-e2e-db', version: '1.0.0' });
  await client.connect(transport, TIMEOUT);
});

after(async () => {
  await client?.close();
  // The last retort process using the scratch cluster stops it; never leave it running.
  const running = await stopScratch(scratch);
  rmSync(work, { recursive: true, force: true });
  assert.ok(!running, `the scratch cluster (${running}) still ran after the server exited`);
  assert.doesNotMatch(serverStderr, /AddressSanitizer|LeakSanitizer|runtime error:/,
    'the server reported a sanitizer error');
});

test('status on a fresh scratch cluster: everything pending', async () => {
  const s = await call('status', {});
  assert.equal(s.database?.kind, 'scratch', `database: ${JSON.stringify(s.database)}`);
  assert.equal(s.database?.reachable, true, `database: ${JSON.stringify(s.database)}`);
  assert.doesNotMatch(JSON.stringify(s.database), /password/i);
  assert.deepEqual(sorted(s.heads), HEADS);
  assert.deepEqual(sorted(s.current), []);
  assert.deepEqual(sorted(s.pending), ALL, `pending: ${JSON.stringify(s.pending)}`);
  assert.equal(s.up_to_date, false);
  // Apply order: every parent before its children (1a first, the merge after both sides).
  const at = (r) => s.pending.indexOf(r);
  assert.ok(at('1a0000000001') === 0);
  assert.ok(at('6f0000000006') > at('3c0000000003') && at('6f0000000006') > at('5e0000000005'));
  assert.ok(at('5e0000000005') > at('2b0000000002'), 'depends_on: 2b before 5e');
});

test('upgrade asked for its plan (sql_only): steps with SQL and a plan_id, nothing applied', async () => {
  const plan = await call('upgrade', { target: 'heads', sql_only: true });
  const text = JSON.stringify(plan);
  assert.ok(plan.plan_id, `no plan_id: ${text.slice(0, 2000)}`);
  assert.equal(plan.executed, false, 'sql_only executed the plan');
  assert.match(text, /CREATE TABLE accounts/);
  assert.match(text, /CREATE TABLE tags/);
  for (const r of ALL) assert.ok(text.includes(r), `the plan does not mention ${r}`);
  const s = await call('status', {});
  assert.deepEqual(sorted(s.current), [], 'asking for the plan changed the database');
  assert.equal(s.up_to_date, false);
});

test('upgrade heads on the scratch cluster: applied without confirm, with progress', async () => {
  const progress = [];
  const done = await call('upgrade', { target: 'heads' }, {
    onprogress: (p) => progress.push(p),
    resetTimeoutOnProgress: true,
  });
  assert.deepEqual(sorted(done.current), HEADS, `result: ${JSON.stringify(done).slice(0, 2000)}`);
  assert.equal(done.executed, true);
  const applied = (done.applied ?? []).map((a) => (typeof a === 'object' ? a.revision : a));
  assert.deepEqual(sorted(applied), ALL, `applied: ${JSON.stringify(done.applied)}`);
  assert.ok(progress.length >= 2, `progress notifications: ${JSON.stringify(progress)}`);
  for (let i = 1; i < progress.length; i++) {
    assert.ok(progress[i].progress > progress[i - 1].progress, `progress must increase: ${JSON.stringify(progress)}`);
  }
  const last = progress.at(-1);
  if (last.total !== undefined) assert.ok(last.progress <= last.total, JSON.stringify(last));
  assert.ok(progress.some((p) => typeof p.message === 'string' && /[0-9a-f]{12}/.test(p.message)),
    `no progress message names a revision: ${JSON.stringify(progress)}`);
});

test('status after the upgrade: up to date at both heads', async () => {
  const s = await call('status', {});
  assert.deepEqual(sorted(s.current), HEADS);
  assert.deepEqual(s.pending, []);
  assert.equal(s.up_to_date, true);
});

test('downgrade base, then status: everything pending again', async () => {
  const done = await call('downgrade', { target: 'base' });
  assert.deepEqual(sorted(done.current), [], `result: ${JSON.stringify(done).slice(0, 2000)}`);
  const s = await call('status', {});
  assert.deepEqual(sorted(s.current), []);
  assert.deepEqual(sorted(s.pending), ALL);
  assert.equal(s.up_to_date, false);
});

// The confirm flow of a production database, on the scratch cluster: the plan's
// plan_id runs exactly that plan; the same confirm again is refused as stale (the
// version table moved), with the new plan, and nothing changes.
test('plan → confirm → status: the confirmed plan runs; confirming it again is refused', async () => {
  const plan = await call('upgrade', { target: 'heads', sql_only: true });
  assert.ok(plan.plan_id, `no plan_id: ${JSON.stringify(plan).slice(0, 2000)}`);
  const done = await call('upgrade', { target: 'heads', confirm: plan.plan_id });
  assert.equal(done.executed, true, `result: ${JSON.stringify(done).slice(0, 2000)}`);
  assert.deepEqual(sorted(done.current), HEADS);
  const s = await call('status', {});
  assert.deepEqual(sorted(s.current), HEADS);
  assert.equal(s.up_to_date, true);
  const again = await client.callTool({ name: 'upgrade', arguments: { target: 'heads', confirm: plan.plan_id } },
    undefined, TIMEOUT);
  assert.equal(again.isError, true, `a stale confirm ran: ${JSON.stringify(again).slice(0, 2000)}`);
  assert.match(again.content[0].text, /REFUSED \(stale plan\)/);
  assert.equal(again.structuredContent?.executed, false);
  const down = await call('downgrade', { target: 'base' });
  assert.deepEqual(sorted(down.current), []);
});

// Cancelling (notifications/cancelled, sent by the SDK on abort) during s2's pg_sleep of
// tests/db/projects/slow: s2 is rolled back, s1 stays; the same upgrade then completes.
// The project is passed per call (its own scratch cluster, in the same RETORT_SCRATCH_DIR).
test('cancel during a slow revision: rolled back to the last committed one, rerun completes', async () => {
  const slow = path.join(work, 'slow');
  cpSync(path.join(fixtures, 'slow'), slow, { recursive: true });
  cpSync(path.join(fixtures, 'env.py'), path.join(slow, 'migrations/env.py'));
  const before = await call('status', { project: slow });
  assert.deepEqual(before.pending, ['s1', 's2', 's3']);

  const abort = new AbortController();
  const progress = [];
  const started = Date.now();
  const run = client.callTool({ name: 'upgrade', arguments: { project: slow, target: 'head' } }, undefined, {
    ...TIMEOUT,
    signal: abort.signal,
    onprogress: (p) => {
      progress.push(p);
      // s2 runs CREATE TABLE, then SELECT pg_sleep(2): cancel inside the sleep.
      if (/-> s2\b/.test(p.message ?? '')) setTimeout(() => abort.abort('test cancels'), 500);
    },
  });
  await assert.rejects(run, (e) => /abort|cancel/i.test(`${e?.name} ${e?.message}`),
    `the upgrade was not cancelled; progress: ${JSON.stringify(progress)}`);
  assert.ok(progress.some((p) => /-> s2\b/.test(p.message ?? '')), `no progress for s2: ${JSON.stringify(progress)}`);

  // The server goes on with the next request only when it stopped the cancelled one;
  // status must show s1 only (s2's transaction rolled back), well before s2 could finish.
  const after = await call('status', { project: slow });
  assert.deepEqual(after.current, ['s1'], `after the cancel: ${JSON.stringify(after)}`);
  assert.deepEqual(after.pending, ['s2', 's3']);
  assert.ok(Date.now() - started < 60000);

  const done = await call('upgrade', { project: slow, target: 'head' });
  assert.deepEqual(done.current, ['s3'], `rerun: ${JSON.stringify(done).slice(0, 2000)}`);
  const applied = (done.applied ?? []).map((a) => (typeof a === 'object' ? a.revision : a));
  assert.deepEqual(applied, ['s2', 's3']);
});
