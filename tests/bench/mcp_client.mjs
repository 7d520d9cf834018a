// mcp_client.mjs - a minimal MCP client for the warm benchmark: no SDK, so that the
// numbers measure the server. Spawns `RETORT mcp --project DIR`, initializes, sends
// CALLS tools/call requests one after another over the one connection, and prints
// one JSON line: per-call latency percentiles (ms) and the server's peak RSS (KiB).
//   node mcp_client.mjs RETORT DIR CALLS TOOL 'JSON-ARGS' [EXPECTED_REVISIONS]
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';

const [retort, dir, callsArg, tool, argsJson, expectedArg] = process.argv.slice(2);
const calls = Number(callsArg);
const args = JSON.parse(argsJson || '{}');
const expected = expectedArg === undefined ? undefined : Number(expectedArg);

const child = spawn(retort, ['mcp', '--project', dir], { stdio: ['pipe', 'pipe', 'inherit'] });
const lines = createInterface({ input: child.stdout });
const waiting = new Map();
lines.on('line', (line) => {
  const msg = JSON.parse(line);
  const resolve = waiting.get(msg.id);
  if (resolve) { waiting.delete(msg.id); resolve(msg); }
});
child.on('exit', (code, signal) => {
  if (waiting.size) { console.error(`retort exited (${code ?? signal}) with requests pending`); process.exit(1); }
});

let nextId = 1;
function request(method, params) {
  const id = nextId++;
  return new Promise((resolve) => {
    waiting.set(id, resolve);
    child.stdin.write(JSON.stringify({ jsonrpc: '2.0', id, method, params }) + '\n');
  });
}

function peakRssKiB(pid) {
  const m = readFileSync(`/proc/${pid}/status`, 'utf8').match(/^VmHWM:\s+(\d+) kB/m);
  return m ? Number(m[1]) : null;
}

const init = await request('initialize', {
  protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'retort-bench', version: '1' },
});
if (init.error) throw new Error(`initialize: ${JSON.stringify(init.error)}`);
child.stdin.write(JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }) + '\n');

const times = [];
let bytes = 0;
for (let k = 0; k < calls; k++) {
  const t0 = process.hrtime.bigint();
  const res = await request('tools/call', { name: tool, arguments: args });
  const t1 = process.hrtime.bigint();
  if (res.error || res.result?.isError) throw new Error(`tools/call ${tool}: ${JSON.stringify(res.error ?? res.result.content)}`);
  const n = res.result.structuredContent?.revisions?.length;
  if (expected !== undefined && n !== expected) throw new Error(`expected ${expected} revisions, got ${n}`);
  times.push(Number(t1 - t0) / 1e6);
  bytes = JSON.stringify(res).length;
}
const rss = peakRssKiB(child.pid);
child.stdin.end();
await new Promise((resolve) => child.on('close', resolve));

const sorted = [...times].sort((a, b) => a - b);
const pct = (p) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
console.log(JSON.stringify({
  calls, first_ms: times[0], p50_ms: pct(50), p99_ms: pct(99), max_ms: sorted.at(-1),
  mean_ms: times.reduce((a, b) => a + b, 0) / times.length, response_bytes: bytes, peak_rss_kib: rss,
}));
