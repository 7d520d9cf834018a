// mcp_sdk.test.mjs - the official MCP TypeScript SDK drives `retort mcp` over stdio
// on examples/shop: handshake, tools/list, history and status checked against the
// example project and against Debian's real alembic, and the errors a client sees.
// Run by run.sh: RETORT_BIN=build/retort node --test mcp_sdk.test.mjs
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { McpError } from '@modelcontextprotocol/sdk/types.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '../..');
const project = path.join(repo, 'examples/shop');
const ini = path.join(project, 'alembic.ini');
const versions = path.join(project, 'migrations/versions');
const retort = process.env.RETORT_BIN;
const alembic = process.env.ALEMBIC_BIN || '/usr/bin/alembic';

// What examples/shop is: keep in step with examples/shop/migrations/versions.
const SHOP = {
  count: 8,
  head: 'a6e1f5b9c372',
  base: '3f1c2a9d8b01',
  merge: { revision: 'f0c4d8e2a615', parents: ['d5a07b9c3e28', 'e9b3c6d1f470'] },
  branchPoint: 'b2d9e0f41a57',
  labelled: { revision: 'e9b3c6d1f470', label: 'reporting' },
};

// Fail fast instead of the SDK's 60 s default when a reply never comes.
const TIMEOUT = { timeout: 15000 };

let client;
let transport;
let serverStderr = '';

before(async () => {
  assert.ok(retort, 'RETORT_BIN must name the retort binary');
  assert.ok(existsSync(retort), `no retort binary at ${retort}`);
  // The SDK passes the child only HOME, PATH, USER, ... unless told: say it all here.
  const env = { PATH: process.env.PATH, HOME: process.env.HOME || '/root', LANG: 'C.UTF-8' };
  for (const k of ['ASAN_OPTIONS', 'UBSAN_OPTIONS', 'LSAN_OPTIONS', 'DATABASE_URL', 'RETORT_DATABASE_URL']) {
    if (process.env[k] !== undefined) env[k] = process.env[k];
  }
  transport = new StdioClientTransport({
    command: retort,
    args: ['mcp', '--project', project],
    env,
    cwd: repo,
    stderr: 'pipe',
  });
  transport.stderr.on('data', (chunk) => {
    serverStderr += chunk;
    process.stderr.write(chunk); // sanitizer reports reach ctest's FAIL_REGULAR_EXPRESSION
  });
  client = new Client({ name: 'retort-e2e', version: '1.0.0' });
  await client.connect(transport, TIMEOUT);
});

after(async () => {
  await client?.close();
  assert.doesNotMatch(serverStderr, /AddressSanitizer|LeakSanitizer|runtime error:/,
    'the server reported a sanitizer error');
});

// alembic's own output for the same project, the reference for the text content.
function alembicHistory(...args) {
  return execFileSync(alembic, ['-c', ini, 'history', ...args], {
    encoding: 'utf8', cwd: project, env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' },
  });
}

// alembic prints a branch point's children from a frozenset, so their order follows
// PYTHONHASHSEED and changes from run to run: compare those lists as sets.
function canonical(text) {
  return text.trimEnd().split('\n')
    .map((l) => (l.startsWith('Branches into: ') ? `Branches into: ${l.slice(15).split(', ').sort().join(', ')}` : l))
    .join('\n');
}

// A call the server must refuse with a JSON-RPC error (the SDK throws McpError), as
// MCP says for an unknown tool. Returns the message.
async function expectProtocolError(params, code) {
  let message;
  await assert.rejects(client.callTool(params, undefined, TIMEOUT), (e) => {
    assert.ok(e instanceof McpError, `expected an McpError, got ${e}`);
    assert.equal(e.code, code);
    message = e.message;
    return true;
  });
  return message;
}

// A call that must fail as a tool execution error: a result with isError: true, no
// structuredContent, and a text block that explains (MCP 2025-11-25: argument
// validation errors are tool errors, so the model can correct itself).
async function expectToolError(params) {
  const result = await client.callTool(params, undefined, TIMEOUT);
  assert.equal(result.isError, true, `expected a tool error, got ${JSON.stringify(result)}`);
  assert.equal(result.structuredContent, undefined, 'an error result carries no structuredContent');
  assert.ok(result.content?.[0]?.type === 'text' && result.content[0].text.length > 0,
    'an error result explains itself in a text block');
  return result.content[0].text;
}

// The SDK checks structuredContent against outputSchema only for tools it has seen
// in tools/list; a structured result below is checked only if this holds.
function assertValidated(name) {
  assert.ok(client.getToolOutputValidator(name), `the SDK has no outputSchema validator for ${name}`);
}

function byId(structured) {
  return new Map(structured.revisions.map((r) => [r.revision, r]));
}

test('initialize: server info and tools capability', () => {
  const info = client.getServerVersion();
  assert.equal(info.name, 'retort');
  assert.ok(client.getServerCapabilities().tools, 'the tools capability is announced');
  assert.ok(client.getInstructions() === undefined || typeof client.getInstructions() === 'string');
});

test('ping', async () => {
  assert.deepEqual(await client.ping(TIMEOUT), {});
});

test('tools/list: every tool has inputSchema, outputSchema and annotations', async () => {
  const { tools } = await client.listTools(undefined, TIMEOUT);
  const names = tools.map((t) => t.name);
  for (const required of ['history', 'status', 'review_migration']) assert.ok(names.includes(required), `no ${required} tool in ${names}`);
  for (const t of tools) {
    assert.equal(t.inputSchema?.type, 'object', `${t.name}: inputSchema`);
    assert.equal(t.outputSchema?.type, 'object', `${t.name}: outputSchema`);
    assert.equal(typeof t.annotations, 'object', `${t.name}: annotations`);
    assert.ok(typeof t.description === 'string' && t.description.length > 20, `${t.name}: description`);
  }
  const history = tools.find((t) => t.name === 'history');
  assert.equal(history.annotations.readOnlyHint, true);
  assert.equal(tools.find((t) => t.name === 'status').annotations.readOnlyHint, true);

  // The SDK validates structuredContent with these schemas on every callTool below.
  // Negative control: the schema must actually reject a wrong document, or that
  // validation would pass anything.
  const validate = client.getToolOutputValidator('history');
  assert.ok(validate, 'the SDK cached a validator for history');
  assert.equal(validate({}).valid, false, 'history outputSchema accepts {}');
  assert.equal(validate({ revisions: 'x', heads: [], bases: [], problems: [] }).valid, false);
  assert.equal(validate({ revisions: [{ revision: 1 }], heads: [], bases: [], problems: [] }).valid, false);
  assert.ok(client.getToolOutputValidator('status'), 'the SDK cached a validator for status');
  assert.equal(client.getToolOutputValidator('status')({}).valid, false, 'status outputSchema accepts {}');
});

test('history: the shop graph', async () => {
  assertValidated('history');
  const res = await client.callTool({ name: 'history', arguments: {} }, undefined, TIMEOUT);
  assert.ok(!res.isError, res.content?.[0]?.text);
  const s = res.structuredContent;
  assert.equal(s.revisions.length, SHOP.count);
  assert.deepEqual(s.heads, [SHOP.head]);
  assert.deepEqual(s.bases, [SHOP.base]);
  assert.deepEqual(s.problems, []);
  assert.equal(s.revisions[0].revision, SHOP.head, 'newest first');
  assert.equal(s.revisions.at(-1).revision, SHOP.base, 'base last');

  const revs = byId(s);
  const merge = revs.get(SHOP.merge.revision);
  assert.deepEqual([...merge.down_revisions].sort(), SHOP.merge.parents);
  assert.equal(merge.is_merge_point, true);
  assert.equal(revs.get(SHOP.branchPoint).is_branch_point, true);
  assert.deepEqual(revs.get(SHOP.labelled.revision).branch_labels, [SHOP.labelled.label]);
  assert.equal(revs.get(SHOP.head).is_head, true);
  assert.equal(revs.get(SHOP.base).is_base, true);
  assert.deepEqual(revs.get(SHOP.base).down_revisions, []);
  assert.equal(revs.get('b2d9e0f41a57').message, 'create orders and order items');
  for (const r of s.revisions) {
    const flags = [r.is_head, r.is_base, r.is_merge_point, r.is_branch_point];
    if (![SHOP.head, SHOP.base, SHOP.merge.revision, SHOP.branchPoint].includes(r.revision)) {
      assert.deepEqual(flags, [false, false, false, false], `${r.revision} flags`);
    }
    const file = path.resolve(project, r.path);
    assert.ok(existsSync(file), `${r.revision}: ${r.path} exists`);
    assert.ok(file.startsWith(versions + path.sep), `${r.path} is under the versions directory`);
    assert.ok(path.basename(file).includes(r.revision), `${r.path} is the file of ${r.revision}`);
  }
});

test('history: text content is what alembic history prints', { skip: !existsSync(alembic) && 'no alembic' }, async () => {
  for (const verbose of [false, true]) {
    const res = await client.callTool({ name: 'history', arguments: { verbose } }, undefined, TIMEOUT);
    assert.ok(!res.isError);
    const text = res.content.find((c) => c.type === 'text').text;
    const expected = alembicHistory(...(verbose ? ['--verbose'] : []));
    assert.equal(canonical(text), canonical(expected), `verbose=${verbose}`);
  }
});

test('history: a range', { skip: !existsSync(alembic) && 'no alembic' }, async () => {
  const range = `${SHOP.branchPoint}:${SHOP.merge.revision}`;
  const res = await client.callTool({ name: 'history', arguments: { range } }, undefined, TIMEOUT);
  assert.ok(!res.isError, res.content?.[0]?.text);
  const got = res.structuredContent.revisions.map((r) => r.revision);
  // alembic's lines look like "<parents> -> <revision> (flags), message"
  const expected = alembicHistory('-r', range).trim().split('\n')
    .map((line) => line.split(' -> ')[1].split(/[ ,]/)[0]);
  assert.deepEqual(got, expected);
  assert.ok(got.includes(SHOP.merge.revision) && got.includes(SHOP.branchPoint));
});

test('history: project given as an alembic.ini path', async () => {
  const res = await client.callTool({ name: 'history', arguments: { project: ini } }, undefined, TIMEOUT);
  assert.ok(!res.isError, res.content?.[0]?.text);
  assert.equal(res.structuredContent.revisions.length, SHOP.count);
  assert.deepEqual(res.structuredContent.heads, [SHOP.head]);
});

test('status: heads of the shop', async () => {
  assertValidated('status');
  // offline: this suite has no database (status would otherwise start the scratch
  // cluster; tests/e2e/mcp_db.test.mjs covers status with a database).
  const res = await client.callTool({ name: 'status', arguments: { offline: true } }, undefined, TIMEOUT);
  assert.ok(!res.isError, res.content?.[0]?.text);
  const s = res.structuredContent;
  assert.deepEqual(s.heads, [SHOP.head]);
  assert.deepEqual(s.problems, []);
  assert.equal(s.database?.consulted, false);
  // No database: what only a database can tell is unknown, not invented.
  assert.equal(s.current, null);
  assert.equal(s.pending, null);
  assert.equal(s.up_to_date, null);
  assert.equal(s.drift, null);
  if ('revision_count' in s) assert.equal(s.revision_count, SHOP.count);
  assert.ok(res.content.some((c) => c.type === 'text' && c.text.includes(SHOP.head)), 'text names the head');
});

test('review_migration: SQL, locks and findings of an index built without CONCURRENTLY', async () => {
  assertValidated('review_migration');
  const res = await client.callTool(
    { name: 'review_migration', arguments: { revision: 'd5a07b9c3e28' } }, undefined, TIMEOUT);
  assert.ok(!res.isError, res.content?.[0]?.text);
  const s = res.structuredContent;
  assert.equal(s.revisions.length, 1);
  const r = s.revisions[0];
  assert.equal(r.revision, 'd5a07b9c3e28');
  assert.deepEqual(r.sql.upgrade,
    ['CREATE INDEX ix_orders_customer_id_created_at ON orders (customer_id, created_at)']);
  assert.deepEqual(r.sql.downgrade, ['DROP INDEX ix_orders_customer_id_created_at']);
  assert.ok(r.locks.some((l) => l.direction === 'upgrade' && l.mode === 'SHARE' && l.table === 'orders'),
    JSON.stringify(r.locks));
  const f = s.findings.find((x) => x.rule === 'require-concurrent-index-creation');
  assert.ok(f, JSON.stringify(s.findings));
  assert.equal(f.severity, 'error');
  assert.equal(f.line, 22);
  assert.ok(f.help && f.help.length > 40, 'the rule doc comes as help');
  assert.ok(s.summary.errors >= 1);
});

test('review_migration: the whole history in apply order', async () => {
  const res = await client.callTool(
    { name: 'review_migration', arguments: { revision: 'base:head' } }, undefined, TIMEOUT);
  assert.ok(!res.isError, res.content?.[0]?.text);
  const ids = res.structuredContent.revisions.map((r) => r.revision);
  assert.equal(ids.length, SHOP.count);
  assert.equal(ids[0], SHOP.base);
  assert.equal(ids.at(-1), SHOP.head);
});

test('unknown tool: an error that names it', async () => {
  const msg = await expectProtocolError({ name: 'no_such_tool', arguments: {} }, -32602);
  assert.match(msg, /no_such_tool/);
});

test('bad arguments: wrong type and unknown property', async () => {
  let msg = await expectToolError({ name: 'history', arguments: { verbose: 'yes' } });
  assert.match(msg, /verbose/);
  msg = await expectToolError({ name: 'history', arguments: { nonsense: 1 } });
  assert.match(msg, /nonsense/);
});

test('a project that does not exist: a tool error, and the server lives on', async () => {
  const missing = path.join(repo, 'no/such/project');
  const msg = await expectToolError({ name: 'history', arguments: { project: missing } });
  assert.match(msg, /no\/such\/project|alembic\.ini|not found|no such/i);
  const res = await client.callTool({ name: 'history', arguments: {} }, undefined, TIMEOUT);
  assert.equal(res.structuredContent.revisions.length, SHOP.count);
});
