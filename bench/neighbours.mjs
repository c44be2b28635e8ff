// Neighbour benchmarks (issue #11): what a busy or abusive function costs the others on one node.
// - replica abuse: production hello world alone, then while a replica of another function loops
//   until its CPU limit or allocates until its memory limit, requested back to back;
// - heavy neighbour: zone A's hello world alone, then while zone B's function burns 100 ms of CPU
//   per request.
// Load comes from the autocannon CLI in its own process (an in-process generator caps the server
// it measures). Everything targets 127.0.0.1 and stops by itself.
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';

const duration = Number(process.env.BENCH_SECONDS ?? 10);
const autocannonBin = join(import.meta.dirname, '..', 'node_modules', 'autocannon', 'autocannon.js');
const hello = `addEventListener('fetch', (event) => event.respondWith(new Response('hi')));`;
const functions = {
  loop: `addEventListener('fetch', (event) => { for (;;) {} });`,
  bomb: `addEventListener('fetch', (event) => { const keep = []; for (;;) keep.push(new Array(1e6).fill(1)); });`,
  burn: `addEventListener('fetch', (event) => { const end = Date.now() + 100; while (Date.now() < end) {} event.respondWith(new Response('done')); });`,
};

function startServe() {
  const dataDir = mkdtempSync(join(tmpdir(), 'edgefn-bench-'));
  const child = spawn(process.execPath, ['bin/edgefn.js', 'serve', '--data-dir', dataDir, '--port', '0', '--admin-port', '0'], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, EDGEFN_ADMIN_TOKEN: 'bench' },
  });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      const urls = [...out.matchAll(/(http:\/\/127\.0\.0\.1:\d+)/g)].map((m) => m[1]);
      if (urls.length >= 2 && out.includes('data:')) resolve({ gateway: urls[0], api: urls[1], stop: () => child.kill('SIGTERM') });
    });
    child.once('exit', (code) => reject(new Error(`serve exited (${code}): ${out}`)));
  });
}

async function api(base, method, path, body) {
  const res = await request(`${base}${path}`, { method, headers: { authorization: 'Bearer bench', 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.body.text();
  if (res.statusCode >= 300) throw new Error(`${method} ${path}: ${res.statusCode} ${text}`);
  return text ? JSON.parse(text) : {};
}

/** Runs the autocannon CLI as its own process; resolves with its JSON summary. */
function load(url, headers, { connections = 50, seconds = duration } = {}) {
  const args = [autocannonBin, '-j', '-c', String(connections), '-d', String(seconds)];
  for (const [k, v] of Object.entries(headers)) args.push('-H', `${k}=${v}`);
  args.push(url);
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'ignore'] });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  return new Promise((resolve, reject) => child.once('exit', () => {
    try {
      const r = JSON.parse(out);
      resolve({ rps: r.requests.average, p99: r.latency.p99, errors: r.errors + r.non2xx + r.timeouts, non2xx: r.non2xx });
    } catch (error) {
      reject(error);
    }
  }));
}

export async function measureNeighbours() {
  const serve = await startServe();
  try {
    const zone = await api(serve.api, 'POST', '/api/v1/zones', { name: 'a.test', origin: 'http://127.0.0.1:9' });
    const other = await api(serve.api, 'POST', '/api/v1/zones', { name: 'b.test', origin: 'http://127.0.0.1:9' });
    const fnA = await api(serve.api, 'POST', '/api/v1/functions', { zoneId: zone.id, name: 'hello', content: hello });
    const fnB = await api(serve.api, 'POST', '/api/v1/functions', { zoneId: other.id, name: 'busy', content: functions.burn });
    for (const name of ['loop', 'bomb']) await api(serve.api, 'POST', `/api/v1/functions/${fnB.id}/replicas`, { name, content: functions[name] });
    const production = [`${serve.gateway}/`, { host: fnA.domain }];
    await load(...production, { seconds: 2 }); // warm-up

    const results = {};
    results.solo = await load(...production);
    for (const [name, headers, connections] of [
      ['replica loop', { host: fnB.domain, 'eo-function-replica-name': 'loop' }, 4],
      ['replica memory bomb', { host: fnB.domain, 'eo-function-replica-name': 'bomb' }, 4],
      ['100 ms CPU neighbour', { host: fnB.domain }, 2],
    ]) {
      const abuse = load(`${serve.gateway}/`, headers, { connections, seconds: duration + 2 });
      await new Promise((r) => setTimeout(r, 1000));
      results[name] = { production: await load(...production), abuser: await abuse };
    }
    return results;
  } finally {
    serve.stop();
  }
}

if (import.meta.url.endsWith(process.argv[1]?.split('/').pop() ?? '')) {
  const r = await measureNeighbours();
  const fmt = (x) => `${Math.round(x.rps)} req/s, p99 ${x.p99} ms, errors ${x.errors}`;
  const lines = ['| production hello world | result | / solo |', '|---|---|---|', `| alone | ${fmt(r.solo)} | 1.00x |`];
  for (const [name, v] of Object.entries(r)) {
    if (name === 'solo') continue;
    lines.push(`| with ${name} (${Math.round(v.abuser.rps)} req/s of it, ${v.abuser.non2xx} non-2xx) | ${fmt(v.production)} | ${(v.production.rps / r.solo.rps).toFixed(2)}x |`);
  }
  console.log(lines.join('\n'));
}
