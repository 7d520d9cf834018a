// lsp_client.test.mjs - a real LSP client (vscode-languageserver-protocol over stdio)
// drives `retort lsp` on a temporary copy of examples/shop: diagnostics appear and clear
// with incremental edits, definition follows down_revision, hover gives markdown.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as lsp from 'vscode-languageserver-protocol/node.js';

const retort = process.env.RETORT_BIN;
const source = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const PRODUCTS = '2024_01_22_7a4e5b6c2d13_create_products_table.py';
const CUSTOMERS = '2024_01_15_3f1c2a9d8b01_create_customers_table.py';

// The 0-based line and UTF-16 character of the first occurrence of `needle` in `text`.
function where(text, needle) {
  const at = text.indexOf(needle);
  assert.ok(at >= 0, `${needle} not found`);
  const before = text.slice(0, at);
  const line = before.split('\n').length - 1;
  return { line, character: at - (before.lastIndexOf('\n') + 1) };
}

test('retort lsp with a real client: diagnostics, incremental edits, definition, hover', async (t) => {
  assert.ok(retort, 'RETORT_BIN must name the retort binary');
  const work = mkdtempSync(path.join(tmpdir(), 'retort-lsp-'));
  t.after(() => rmSync(work, { recursive: true, force: true }));
  cpSync(path.join(source, 'examples/shop'), path.join(work, 'shop'), { recursive: true });
  const versions = path.join(work, 'shop/migrations/versions');

  const server = spawn(retort, ['lsp'], { cwd: work, stdio: ['pipe', 'pipe', 'inherit'] });
  const exited = new Promise((resolve) => server.on('exit', (code) => resolve(code)));
  const conn = lsp.createProtocolConnection(
    new lsp.StreamMessageReader(server.stdout),
    new lsp.StreamMessageWriter(server.stdin),
  );

  // publishDiagnostics, kept in arrival order; waiters are matched by uri and version.
  const published = [];
  let wake = () => {};
  conn.onNotification(lsp.PublishDiagnosticsNotification.type, (p) => {
    published.push(p);
    wake();
  });
  async function diagnostics(uri, version) {
    const deadline = Date.now() + 10000;
    for (;;) {
      const i = published.findIndex((p) => p.uri === uri && p.version === version);
      if (i >= 0) return published.splice(i, 1)[0].diagnostics;
      const left = deadline - Date.now();
      assert.ok(left > 0, `no publishDiagnostics for ${uri} version ${version}`);
      await new Promise((resolve) => {
        wake = resolve;
        setTimeout(resolve, Math.min(left, 200));
      });
    }
  }
  conn.listen();

  const init = await conn.sendRequest(lsp.InitializeRequest.type, {
    processId: process.pid,
    rootUri: pathToFileURL(path.join(work, 'shop')).href,
    capabilities: { general: { positionEncodings: ['utf-16'] } },
  });
  assert.equal(init.capabilities.positionEncoding, 'utf-16');
  assert.equal(init.capabilities.textDocumentSync.change, lsp.TextDocumentSyncKind.Incremental);
  assert.equal(init.capabilities.hoverProvider, true);
  assert.equal(init.capabilities.definitionProvider, true);
  assert.equal(init.serverInfo.name, 'retort');
  await conn.sendNotification(lsp.InitializedNotification.type, {});

  // Open a sound revision file: the only diagnostics are the review rules' advice on its
  // integer serial key (warnings, on the `sa.Column("id", ...)` line), no graph problem.
  const file = path.join(versions, PRODUCTS);
  const uri = pathToFileURL(file).href;
  const text = readFileSync(file, 'utf8');
  await conn.sendNotification(lsp.DidOpenTextDocumentNotification.type, {
    textDocument: { uri, languageId: 'python', version: 1, text },
  });
  const clean = await diagnostics(uri, 1);
  assert.deepEqual(clean.map((d) => d.code).sort(), ['prefer-bigint-over-int', 'prefer-identity']);
  for (const d of clean) {
    assert.equal(d.severity, lsp.DiagnosticSeverity.Warning);
    assert.equal(d.source, 'retort');
    assert.equal(d.range.start.line, where(text, "sa.Column('id'").line);
  }

  // Point down_revision at a revision that does not exist, with one incremental edit.
  const value = where(text, "'3f1c2a9d8b01'\nbranch_labels");
  const first = { line: value.line, character: value.character + 1 };
  const firstEnd = { line: value.line, character: value.character + 2 };
  await conn.sendNotification(lsp.DidChangeTextDocumentNotification.type, {
    textDocument: { uri, version: 2 },
    contentChanges: [{ range: { start: first, end: firstEnd }, text: '0' }],
  });
  const broken = await diagnostics(uri, 2);
  const missing = broken.find((d) => d.code === 'missing-revision');
  assert.ok(missing, `missing-revision expected in ${JSON.stringify(broken)}`);
  assert.equal(missing.severity, lsp.DiagnosticSeverity.Error);
  assert.equal(missing.source, 'retort');
  assert.match(missing.message, /0f1c2a9d8b01/);
  assert.deepEqual(missing.range, {
    start: value,
    end: { line: value.line, character: value.character + 14 },
  });

  // Edit it back: the diagnostics clear.
  await conn.sendNotification(lsp.DidChangeTextDocumentNotification.type, {
    textDocument: { uri, version: 3 },
    contentChanges: [{ range: { start: first, end: firstEnd }, text: '3' }],
  });
  assert.deepEqual(await diagnostics(uri, 3), clean);

  // Definition on the down_revision value: the parent's file, at its `revision =` line.
  const inside = { line: value.line, character: value.character + 5 };
  const def = await conn.sendRequest(lsp.DefinitionRequest.type, {
    textDocument: { uri },
    position: inside,
  });
  const loc = Array.isArray(def) ? def[0] : def;
  assert.ok(loc, 'definition returned nothing');
  assert.equal(fileURLToPath(loc.uri), path.join(versions, CUSTOMERS));
  const parentText = readFileSync(path.join(versions, CUSTOMERS), 'utf8');
  assert.equal(loc.range.start.line, where(parentText, "revision = '3f1c2a9d8b01'").line);

  // Hover on the same value: markdown about the parent.
  const hover = await conn.sendRequest(lsp.HoverRequest.type, { textDocument: { uri }, position: inside });
  assert.equal(hover.contents.kind, 'markdown');
  assert.match(hover.contents.value, /3f1c2a9d8b01/);
  assert.match(hover.contents.value, /create customers table/);
  assert.match(hover.contents.value, /1 of 8 from base/);
  assert.match(hover.contents.value, /7a4e5b6c2d13/); // its child

  // Not a revision file: empty results, no error.
  const env = path.join(work, 'shop/migrations/env.py');
  const envUri = pathToFileURL(env).href;
  await conn.sendNotification(lsp.DidOpenTextDocumentNotification.type, {
    textDocument: { uri: envUri, languageId: 'python', version: 1, text: readFileSync(env, 'utf8') },
  });
  assert.equal(
    await conn.sendRequest(lsp.HoverRequest.type, { textDocument: { uri: envUri }, position: { line: 0, character: 0 } }),
    null,
  );

  // Unknown requests: -32601.
  await assert.rejects(conn.sendRequest('retort/noSuchMethod', {}), (e) => e.code === -32601);

  await conn.sendNotification(lsp.DidCloseTextDocumentNotification.type, { textDocument: { uri } });
  await conn.sendRequest(lsp.ShutdownRequest.type);
  await conn.sendNotification(lsp.ExitNotification.type);
  assert.equal(await exited, 0);
  conn.dispose();
});
