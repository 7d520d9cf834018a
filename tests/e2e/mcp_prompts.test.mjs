// mcp_prompts.test.mjs - the official MCP TypeScript SDK lists and gets every prompt
// `retort mcp` serves (the skills/*/SKILL.md files) and sees the errors MCP asks for.
// Run by run.sh: RETORT_BIN=build/retort node --test mcp_prompts.test.mjs
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { McpError } from '@modelcontextprotocol/sdk/types.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '../..');
const skillsDir = path.join(repo, 'skills');
const retort = process.env.RETORT_BIN;
const TIMEOUT = { timeout: 15000 };

// What a skill folder says, read the simple way: the tests in C and Python check the
// frontmatter parser itself; here the values are compared as the files spell them.
function readSkill(name) {
  const text = readFileSync(path.join(skillsDir, name, 'SKILL.md'), 'utf8');
  const end = text.indexOf('\n---\n', 4);
  assert.ok(text.startsWith('---\n') && end > 0, `${name}: frontmatter`);
  const fields = {};
  for (const line of text.slice(4, end).split('\n')) {
    const m = /^([a-z-]+): (.*)$/.exec(line);
    if (m) fields[m[1]] = m[2].replace(/^"(.*)"$/, '$1');
  }
  const body = text.slice(end + 5).replace(/^(\s*\n)+/, '');
  const args = (fields['argument-hint'] || '').split(/\s+/).filter(Boolean)
    .map((t) => ({ name: t.slice(1, -1), required: t.startsWith('<') }));
  return { ...fields, body, args };
}

const skillNames = readdirSync(skillsDir, { withFileTypes: true })
  .filter((d) => d.isDirectory() && existsSync(path.join(skillsDir, d.name, 'SKILL.md')))
  .map((d) => d.name)
  .sort();

let client;
let serverStderr = '';

before(async () => {
  assert.ok(retort && existsSync(retort), `RETORT_BIN must name the retort binary, not ${retort}`);
  const env = { PATH: process.env.PATH, HOME: process.env.HOME || '/root', LANG: 'C.UTF-8' };
  for (const k of ['ASAN_OPTIONS', 'UBSAN_OPTIONS', 'LSAN_OPTIONS']) {
    if (process.env[k] !== undefined) env[k] = process.env[k];
  }
  const transport = new StdioClientTransport({
    command: retort,
    args: ['mcp', '--project', path.join(repo, 'examples/shop')],
    env,
    cwd: repo,
    stderr: 'pipe',
  });
  transport.stderr.on('data', (chunk) => {
    serverStderr += chunk;
    process.stderr.write(chunk);
  });
  client = new Client({ name: 'retort-e2e-prompts', version: '1.0.0' });
  await client.connect(transport, TIMEOUT);
});

after(async () => {
  await client?.close();
  assert.doesNotMatch(serverStderr, /AddressSanitizer|LeakSanitizer|runtime error:|bug:/,
    'the server reported an error');
});

test('initialize: the prompts capability is announced', () => {
  assert.deepEqual(client.getServerCapabilities().prompts, { listChanged: false });
  assert.ok(skillNames.length >= 8, `skills/ has ${skillNames.length} skills`);
});

test('prompts/list: one prompt per skill, with its description and arguments', async () => {
  const { prompts } = await client.listPrompts(undefined, TIMEOUT);
  assert.deepEqual(prompts.map((p) => p.name), skillNames);
  for (const p of prompts) {
    const skill = readSkill(p.name);
    assert.equal(p.description, skill.description, `${p.name}: description`);
    assert.equal(p.title, skill.body.split('\n')[0].replace(/^# /, ''), `${p.name}: title from the heading`);
    assert.deepEqual((p.arguments || []).map((a) => ({ name: a.name, required: a.required })), skill.args,
      `${p.name}: arguments from argument-hint ${skill['argument-hint']}`);
    for (const a of p.arguments || []) assert.match(a.description, /^(Required|Optional)\. Usage: /);
  }
});

test('prompts/get: every prompt, with its arguments substituted', async () => {
  for (const name of skillNames) {
    const skill = readSkill(name);
    const values = Object.fromEntries(skill.args.map((a) => [a.name, `value of ${a.name} "quoted"`]));
    const res = await client.getPrompt({ name, arguments: values }, TIMEOUT);
    assert.equal(res.description, skill.description);
    assert.equal(res.messages.length, 1, `${name}: one message`);
    const [msg] = res.messages;
    assert.equal(msg.role, 'user');
    assert.equal(msg.content.type, 'text');
    const named = skill.args.map((a) => `${a.name}="value of ${a.name} \\"quoted\\""`).join(' ');
    assert.equal(msg.content.text, skill.body.replaceAll('$ARGUMENTS', named || '(none)'), `${name}: text`);
    assert.ok(msg.content.text.includes('NOT NULL') && /concurrently/i.test(msg.content.text),
      `${name}: carries the practices`);

    // with only the required arguments (none: "(none)")
    const required = Object.fromEntries(skill.args.filter((a) => a.required).map((a) => [a.name, 'x']));
    const bare = await client.getPrompt({ name, arguments: required }, TIMEOUT);
    const want = skill.args.filter((a) => a.required).map((a) => `${a.name}="x"`).join(' ') || '(none)';
    assert.equal(bare.messages[0].content.text, skill.body.replaceAll('$ARGUMENTS', want), `${name}: bare`);
  }
});

async function expectInvalidParams(params) {
  let message;
  await assert.rejects(client.getPrompt(params, TIMEOUT), (e) => {
    assert.ok(e instanceof McpError, `expected an McpError, got ${e}`);
    assert.equal(e.code, -32602);
    message = e.message;
    return true;
  });
  return message;
}

test('prompts/get: an unknown prompt and a missing required argument are -32602', async () => {
  assert.match(await expectInvalidParams({ name: 'no-such-skill' }), /Unknown prompt: no-such-skill/);
  assert.match(await expectInvalidParams({ name: 'create-migration', arguments: { head: 'head' } }),
    /Missing required argument for prompt create-migration: message/);
  assert.match(await expectInvalidParams({ name: 'create-migration', arguments: { message: 'm', nope: 'x' } }),
    /Unknown argument for prompt create-migration: nope/);
  // the server goes on serving
  const { prompts } = await client.listPrompts(undefined, TIMEOUT);
  assert.equal(prompts.length, skillNames.length);
});
