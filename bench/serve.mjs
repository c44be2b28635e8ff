// `edgefn serve` for benchmarks: a child process on free ports with a throw-away data dir and a
// known admin token, plus a JSON API call. Extra serve options come from `args`, by default from
// BENCH_SERVE_ARGS (e.g. "--workers 1").
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';

export function startServe(extra = (process.env.BENCH_SERVE_ARGS ?? '').split(' ').filter(Boolean)) {
  const dataDir = mkdtempSync(join(tmpdir(), 'edgefn-bench-'));
  const child = spawn(process.execPath, ['bin/edgefn.js', 'serve', '--data-dir', dataDir, '--port', '0', '--admin-port', '0', ...extra], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, EDGEFN_ADMIN_TOKEN: 'bench' },
  });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      const urls = [...out.matchAll(/(http:\/\/127\.0\.0\.1:\d+)/g)].map((m) => m[1]);
      if (urls.length >= 2 && out.includes('data:')) resolve({ gateway: urls[0], api: urls[1], pid: child.pid, stop: () => child.kill('SIGTERM') });
    });
    child.once('exit', (code) => reject(new Error(`serve exited (${code}): ${out}`)));
  });
}

export async function api(base, method, path, body) {
  const res = await request(`${base}${path}`, { method, headers: { authorization: 'Bearer bench', 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.body.text();
  if (res.statusCode >= 300) throw new Error(`${method} ${path}: ${res.statusCode} ${text}`);
  return text ? JSON.parse(text) : {};
}
