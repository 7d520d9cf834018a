// scratch.mjs - what the e2e tests that use retort's scratch cluster share: waiting for
// the cluster to stop once the last retort process has exited, and stopping it when it
// did not (never leave a postmaster behind a removed directory).
import { existsSync, readdirSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

// The path of a postmaster.pid anywhere under dir (the cluster's layout is retort's), or null.
export function findPostmasterPid(dir) {
  if (!dir || !existsSync(dir)) return null;
  const stack = [dir];
  while (stack.length) {
    const d = stack.pop();
    let entries;
    try { entries = readdirSync(d, { withFileTypes: true }); } catch { continue; }
    for (const e of entries) {
      if (e.name === 'postmaster.pid') return path.join(d, e.name);
      if (e.isDirectory()) stack.push(path.join(d, e.name));
    }
  }
  return null;
}

// Waits up to 10 s for the scratch cluster under dir to stop (the last retort process
// using it stops it: db.h, scratch_ensure). When it still runs, stops it and returns its
// postmaster.pid path (the caller fails the test); else returns null.
export async function stopScratch(dir) {
  let running = null;
  for (let i = 0; i < 100; i++) {
    running = findPostmasterPid(dir);
    if (!running) return null;
    await sleep(100);
  }
  const versions = existsSync('/usr/lib/postgresql')
    ? readdirSync('/usr/lib/postgresql').sort((a, b) => a - b) : [];
  const bin = process.env.PG_BIN || `/usr/lib/postgresql/${versions.at(-1)}/bin`;
  const pgctl = [path.join(bin, 'pg_ctl'), '-D', path.dirname(running), '-m', 'immediate', '-w', 'stop'];
  const argv = process.getuid() === 0 ? ['runuser', '-u', 'postgres', '--', ...pgctl] : pgctl;
  spawnSync(argv[0], argv.slice(1), { stdio: 'ignore' });
  return running;
}
