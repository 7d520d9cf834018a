// mcp_client.mjs - a minimal MCP client for the warm benchmark: no SDK, so that the
// numbers measure the server. Spawns `RETORT mcp --project DIR`, initializes, sends
// CALLS tools/call requests one after another over the one connection, and prints
// one JSON line: per-call latency percentiles (ms) and the server's peak RSS (KiB).
// Two latencies per call, both from the write of the request:
//   reply_*  until the last byte of the reply line has arrived (the server's time, plus
//            one pipe round trip and Node's reading of the bytes);
//   p50_ms / p99_ms ... (the end-to-end client time) until the reply is also parsed
//            with JSON.parse, which for a large reply is the client's own cost.
//   node mcp_client.mjs RETORT DIR CALLS TOOL 'JSON-ARGS' [EXPECTED_REVISIONS]
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';

const [retort, dir, callsArg, tool, argsJson, expectedArg] = process.argv.slice(2);
const calls = Number(callsArg);
const args = JSON.parse(argsJson || '{}');
const expected = expectedArg === undefined ? undefined : Number(expectedArg);

const child = spawn(retort, ['mcp', '--project', dir], { stdio: ['pipe', 'pipe', 'inherit'] });
// Reply lines are framed by hand (not readline): the moment the newline arrives is the
// reply time, before any parsing.
let pending = null; // {resolve, chunks}
let buffered = [];
child.stdout.on('data', (chunk) => {
  let at = chunk.indexOf(10);
  while (at >= 0) {
    const arrived = process.hrtime.bigint();
    buffered.push(chunk.subarray(0, at));
    const line = Buffer.concat(buffered);
    buffered = [];
    chunk = chunk.subarray(at + 1);
    if (pending) {
      const p = pending;
      pending = null;
      p.resolve({ line, arrived });
    }
    at = chunk.indexOf(10);
  }
  if (chunk.length) buffered.push(chunk);
});
child.on('exit', (code, signal) => {
  if (pending) { console.error(`retort exited (${code ?? signal}) with a request pending`); process.exit(1); }
});

let nextId = 1;
// Sends one request; resolves with {msg, sent, arrived, parsed} (hrtime ns). Replies come
// in order (one request at a time), and notifications are not expected here.
function request(method, params) {
  const id = nextId++;
  return new Promise((resolve) => {
    pending = {
      resolve: ({ line, arrived }) => {
        const msg = JSON.parse(line);
        const parsed = process.hrtime.bigint();
        if (msg.id !== id) throw new Error(`reply ${JSON.stringify(msg.id)} to request ${id}`);
        resolve({ msg, sent, arrived, parsed, bytes: line.length });
      },
    };
    const sent = process.hrtime.bigint();
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
if (init.msg.error) throw new Error(`initialize: ${JSON.stringify(init.msg.error)}`);
child.stdin.write(JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }) + '\n');

const times = [], replies = [];
let bytes = 0;
for (let k = 0; k < calls; k++) {
  const r = await request('tools/call', { name: tool, arguments: args });
  const res = r.msg;
  if (res.error || res.result?.isError) throw new Error(`tools/call ${tool}: ${JSON.stringify(res.error ?? res.result.content)}`);
  const n = res.result.structuredContent?.revisions?.length;
  if (expected !== undefined && n !== expected) throw new Error(`expected ${expected} revisions, got ${n}`);
  times.push(Number(r.parsed - r.sent) / 1e6);
  replies.push(Number(r.arrived - r.sent) / 1e6);
  bytes = r.bytes;
}
const rss = peakRssKiB(child.pid);
child.stdin.end();
await new Promise((resolve) => child.on('close', resolve));

function pct(values, p) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}
console.log(JSON.stringify({
  calls, first_ms: times[0], p50_ms: pct(times, 50), p99_ms: pct(times, 99), max_ms: Math.max(...times),
  mean_ms: times.reduce((a, b) => a + b, 0) / times.length,
  reply_p50_ms: pct(replies, 50), reply_p99_ms: pct(replies, 99),
  response_bytes: bytes, peak_rss_kib: rss,
}));
