// bench.mjs - LSP keystroke-to-diagnostics latency: `node bench.mjs RETORT_BIN [N] [EDITS]`.
// Generates an N-revision project (tests/bench/gen_history.py, default 1,000), opens one
// revision padded to about 20 KB in `retort lsp` through the vscode-languageserver-protocol
// client, then types EDITS single-character incremental changes (default 200), each
// timed from didChange to its publishDiagnostics. Prints one JSON line of milliseconds.
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as lsp from 'vscode-languageserver-protocol/node.js';

const [retort, n = '1000', edits = '200'] = process.argv.slice(2);
if (!retort) {
  console.error('usage: node bench.mjs RETORT_BIN [N] [EDITS]');
  process.exit(2);
}
const source = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const work = mkdtempSync(path.join(tmpdir(), 'retort-lsp-bench-'));
try {
  execFileSync('/usr/bin/python3', [path.join(source, 'tests/bench/gen_history.py'), work, n], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const versions = path.join(work, 'migrations/versions');
  const file = path.join(versions, readdirSync(versions).filter((f) => f.endsWith('.py')).sort()[0]);
  let text = readFileSync(file, 'utf8') + '\n\ndef _padding():\n';
  for (let i = 0; Buffer.byteLength(text) < 20 * 1024; i++)
    text += `    op.add_column('t', sa.Column('c${i}', sa.Integer(), nullable=True))\n`;
  const uri = pathToFileURL(file).href;

  const server = spawn(retort, ['lsp'], { cwd: work, stdio: ['pipe', 'pipe', 'inherit'] });
  const conn = lsp.createProtocolConnection(
    new lsp.StreamMessageReader(server.stdout),
    new lsp.StreamMessageWriter(server.stdin),
  );
  let waiting = null;
  conn.onNotification(lsp.PublishDiagnosticsNotification.type, (p) => {
    if (waiting && p.uri === uri && p.version === waiting.version) waiting.resolve();
  });
  const published = (version) => new Promise((resolve) => (waiting = { version, resolve }));
  conn.listen();
  await conn.sendRequest(lsp.InitializeRequest.type, { processId: process.pid, rootUri: null, capabilities: {} });
  await conn.sendNotification(lsp.InitializedNotification.type, {});

  let t0 = process.hrtime.bigint();
  let done = published(1);
  await conn.sendNotification(lsp.DidOpenTextDocumentNotification.type, {
    textDocument: { uri, languageId: 'python', version: 1, text },
  });
  await done;
  const openMs = Number(process.hrtime.bigint() - t0) / 1e6;

  const line = text.split('\n').length - 3; // inside the padding function
  const times = [];
  for (let v = 2; v < 2 + Number(edits); v++) {
    const at = { line, character: 4 };
    const change = v % 2 ? { range: { start: at, end: { line, character: 5 } }, text: '' } : { range: { start: at, end: at }, text: 'x' };
    done = published(v);
    t0 = process.hrtime.bigint();
    await conn.sendNotification(lsp.DidChangeTextDocumentNotification.type, {
      textDocument: { uri, version: v },
      contentChanges: [change],
    });
    await done;
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  times.sort((a, b) => a - b);
  const q = (f) => +times[Math.min(times.length - 1, Math.floor(f * times.length))].toFixed(3);
  console.log(JSON.stringify({
    revisions: Number(n), file_bytes: Buffer.byteLength(text), open_ms: +openMs.toFixed(3),
    keystrokes: times.length, median_ms: q(0.5), p90_ms: q(0.9), max_ms: q(1),
  }));
  await conn.sendRequest(lsp.ShutdownRequest.type);
  await conn.sendNotification(lsp.ExitNotification.type);
  conn.dispose();
} finally {
  rmSync(work, { recursive: true, force: true });
}
