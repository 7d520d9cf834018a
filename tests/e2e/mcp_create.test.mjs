// mcp_create.test.mjs - the official MCP TypeScript SDK calls create_migration on a copy
// of examples/shop whose models gained a column and a table, with retort's own scratch
// cluster (RETORT_SCRATCH_DIR = a fresh directory). Every structuredContent is validated
// by the SDK against the tool's outputSchema (callTool does it for tools it has listed)
// and again here with the SDK's validator, which must also reject results that break the
// schema. write=false writes nothing; the written revision is the new head, applies on the
// scratch cluster, and the models then agree with the database (nothing written, and the
// result says why); against="database" on a database behind the head is a tool error
// (isError), and so is a missing message (as for every tool's bad arguments).
// Run from tests/e2e: RETORT_BIN=../../build/retort node --test mcp_create.test.mjs
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, chmodSync, cpSync, existsSync, mkdtempSync, readdirSync, readFileSync,
  rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';

import { stopScratch } from './scratch.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '../..');
const retort = process.env.RETORT_BIN && path.resolve(process.env.RETORT_BIN);
const SHOP_HEAD = 'a6e1f5b9c372';
// Scratch start (initdb) may take a few seconds on a loaded machine.
const TIMEOUT = { timeout: 60000 };

let client;
let work;
let project;
let scratch;
let serverStderr = '';

const versionsDir = () => path.join(project, 'migrations/versions');
const versionFiles = () => readdirSync(versionsDir()).filter((f) => f.endsWith('.py')).sort();

async function call(name, args) {
  const result = await client.callTool({ name, arguments: args }, undefined, TIMEOUT);
  const shown = JSON.stringify(result, null, 1).slice(0, 3000);
  assert.ok(!result.isError, `${name} ${JSON.stringify(args)} is an error:\n${shown}\n--- stderr:\n${serverStderr.slice(-2000)}`);
  assert.ok(result.structuredContent, `${name}: no structuredContent:\n${shown}`);
  assert.ok(result.content?.some((c) => c.type === 'text' && c.text.length > 0), `${name}: no text content`);
  const v = client.getToolOutputValidator(name)(result.structuredContent);
  assert.ok(v.valid, `${name}: structuredContent does not match outputSchema: ${v.errorMessage}`);
  return result.structuredContent;
}

before(async () => {
  assert.ok(retort, 'RETORT_BIN must name the retort binary');
  assert.ok(existsSync(retort), `no retort binary at ${retort}`);
  // Under /tmp and world-searchable: as root the cluster runs as the postgres user.
  work = mkdtempSync('/tmp/retort-mcpcreate-');
  chmodSync(work, 0o755);
  scratch = path.join(work, 'scratch');
  project = path.join(work, 'shop');
  cpSync(path.join(repo, 'examples/shop'), project, {
    recursive: true, filter: (src) => !src.includes('__pycache__'),
  });
  // The models move on: a new column on customers and a new table.
  const models = path.join(project, 'app/models.py');
  const phone = "    phone = Column(String(32), nullable=True)\n";
  const text = readFileSync(models, 'utf8');
  assert.ok(text.includes(phone), 'examples/shop/app/models.py changed: adjust this test');
  writeFileSync(models, text.replace(phone, phone +
    "    loyalty_points = Column(Integer, nullable=False, server_default=text('0'))\n"));
  appendFileSync(models, `

class Coupon(Base):
    __tablename__ = 'coupons'

    id = Column(Integer, primary_key=True)
    code = Column(String(32), nullable=False, unique=True)
    customer_id = Column(Integer, ForeignKey('customers.id', ondelete='CASCADE'))
`);
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
  client = new Client({ name: 'retort-e2e-create', version: '1.0.0' });
  await client.connect(transport, TIMEOUT);
  await client.listTools(undefined, TIMEOUT); // the SDK caches the outputSchema validators
});

after(async () => {
  await client?.close();
  // The last retort process using the scratch cluster stops it; never leave it running.
  const pid = await stopScratch(scratch);
  rmSync(work, { recursive: true, force: true });
  assert.ok(!pid, `the scratch cluster (${pid}) still ran after the server exited`);
  assert.doesNotMatch(serverStderr, /AddressSanitizer|LeakSanitizer|runtime error:/,
    'the server reported a sanitizer error');
});

test('tools/list: create_migration with its schemas and annotations', async () => {
  const { tools } = await client.listTools(undefined, TIMEOUT);
  const t = tools.find((x) => x.name === 'create_migration');
  assert.ok(t, 'create_migration is listed');
  assert.deepEqual(t.inputSchema.required, ['message']);
  assert.equal(t.outputSchema?.type, 'object');
  assert.equal(t.annotations?.readOnlyHint, false);
  assert.equal(t.annotations?.destructiveHint, false);
  const validate = client.getToolOutputValidator('create_migration');
  assert.ok(validate, 'the SDK has an outputSchema validator for create_migration');
  // The schema has teeth: what breaks it is rejected.
  assert.equal(validate({}).valid, false, 'outputSchema accepts {}');
});

test('write=false: the revision, its operations and review; nothing written', async () => {
  const before = versionFiles();
  const r = await call('create_migration', { message: 'loyalty points and coupons', write: false });
  assert.deepEqual(versionFiles(), before, 'write=false wrote a file');
  assert.equal(r.written, false);
  assert.equal(r.not_written_because, 'write=false');
  assert.equal(r.autogenerate, true);
  assert.equal(r.against, 'migrations');
  assert.deepEqual(r.down_revisions, [SHOP_HEAD]);
  assert.match(r.revision, /^[0-9a-f]{12}$/);
  assert.ok(!existsSync(r.path), `${r.path} exists`);
  assert.ok(r.path.startsWith(versionsDir() + '/'), `path ${r.path} is not in the versions directory`);
  const ups = r.operations.upgrade.map((o) => `${o.kind} ${o.table}${o.name ? '.' + o.name : ''}`);
  assert.deepEqual(ups, ['create_table coupons', 'add_column customers.loyalty_points'],
    `upgrade operations: ${JSON.stringify(r.operations.upgrade)}`);
  assert.deepEqual(r.operations.downgrade.map((o) => o.kind), ['drop_column', 'drop_table']);
  assert.match(r.content, /op\.create_table\('coupons',/);
  assert.match(r.content, /op\.add_column\('customers', sa\.Column\('loyalty_points', sa\.Integer\(\), server_default=sa\.text\('0'\), nullable=False\)\)/);
  assert.match(r.content, new RegExp(`down_revision = '${SHOP_HEAD}'`));
  assert.equal(r.summary.operations, 2);
  // The review of the new revision comes with it (an unnamed FK, an integer key ...).
  assert.ok(r.findings.some((f) => f.rule === 'unnamed-constraint' && f.path === r.path),
    `findings: ${JSON.stringify(r.findings.map((f) => f.rule))}`);
});

test('against="database" on a database behind the head: a tool error, nothing written', async () => {
  const before = versionFiles();
  const result = await client.callTool({ name: 'create_migration',
    arguments: { message: 'x', against: 'database' } }, undefined, TIMEOUT);
  assert.equal(result.isError, true, JSON.stringify(result).slice(0, 2000));
  const text = result.content.map((c) => c.text).join('\n');
  assert.match(text, /not up to date/);
  assert.match(text, /Nothing was written/);
  assert.deepEqual(versionFiles(), before);
});

test('a missing message: a tool error that names it, nothing written', async () => {
  const before = versionFiles();
  const result = await client.callTool({ name: 'create_migration', arguments: { write: true } },
    undefined, TIMEOUT);
  assert.equal(result.isError, true, JSON.stringify(result).slice(0, 2000));
  assert.match(result.content.map((c) => c.text).join('\n'), /message/);
  assert.deepEqual(versionFiles(), before);
});

test('written: the new head, applied on the scratch cluster; then the models agree', async () => {
  const before = versionFiles();
  const r = await call('create_migration', { message: 'loyalty points and coupons' });
  assert.equal(r.written, true);
  assert.equal(r.not_written_because ?? null, null);
  const added = versionFiles().filter((f) => !before.includes(f));
  assert.deepEqual(added.map((f) => path.join(versionsDir(), f)), [r.path]);
  assert.equal(readFileSync(r.path, 'utf8'), r.content, 'the file is the content returned');
  // The shop's file_template: year_month_day_rev_slug.
  assert.match(path.basename(r.path), new RegExp(`^\\d{4}_\\d{2}_\\d{2}_${r.revision}_loyalty_points_and_coupons\\.py$`));

  const st = await call('status', {});
  assert.deepEqual(st.heads, [r.revision]);
  const up = await call('upgrade', { target: 'head' });
  assert.equal(up.executed, true, JSON.stringify(up).slice(0, 2000));
  assert.ok(!up.failed, JSON.stringify(up.failed));

  const again = await call('create_migration', { message: 'nothing', against: 'database' });
  assert.equal(again.against, 'database');
  assert.equal(again.written, false);
  assert.match(again.not_written_because, /no difference/);
  assert.deepEqual(again.operations.upgrade, [], JSON.stringify(again.operations));
  assert.deepEqual(again.down_revisions, [r.revision]);
  const fromMigrations = await call('create_migration', { message: 'nothing' });
  assert.equal(fromMigrations.written, false);
  assert.deepEqual(fromMigrations.operations.upgrade, [], JSON.stringify(fromMigrations.operations));
});
