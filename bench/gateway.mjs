// Gateway benchmarks (issue #3): production and replica paths through `edgefn serve`, the cost
// of 200 trigger rules, and the time from a sync call returning to the new code answering.
// `BENCH_SERVE_ARGS` passes options to `edgefn serve` (e.g. `--workers 1`).
// Everything targets 127.0.0.1 and stops by itself.
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { load as loadCli, median } from './load.mjs';

const duration = Number(process.env.BENCH_SECONDS ?? 10);
const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
const hello = `addEventListener('fetch', (event) => event.respondWith(new Response('hi', { headers: { 'content-type': 'text/plain' } })));`;

function startProcess(args, env = {}) {
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, ...env } });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      const urls = [...out.matchAll(/(http:\/\/127\.0\.0\.1:\d+)/g)].map((m) => m[1]);
      if (args.includes('serve') ? urls.length >= 2 && out.includes('data:') : urls.length >= 1) resolve({ urls, stop: () => child.kill('SIGTERM') });
    });
    child.once('exit', (code) => reject(new Error(`exited (${code}): ${out}`)));
  });
}

async function api(base, method, path, body) {
  const res = await request(`${base}${path}`, { method, headers: { authorization: 'Bearer bench', 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.body.text();
  if (res.statusCode >= 300) throw new Error(`${method} ${path}: ${res.statusCode} ${text}`);
  return text ? JSON.parse(text) : {};
}

const load = (url, headers) => loadCli(url, headers, { seconds: duration });

export async function measureGateway() {
  const plain = await startProcess(['bench/plain-server.mjs']);
  const extra = (process.env.BENCH_SERVE_ARGS ?? '').split(' ').filter(Boolean);
  const serve = await startProcess(['bin/edgefn.js', 'serve', '--data-dir', mkdtempSync(join(tmpdir(), 'edgefn-bench-')), '--port', '0', '--admin-port', '0', ...extra], { EDGEFN_ADMIN_TOKEN: 'bench' });
  const [gateway, apiBase] = serve.urls;
  try {
    const zone = await api(apiBase, 'POST', '/api/v1/zones', { name: 'bench.test', origin: 'http://127.0.0.1:9' });
    const fn = await api(apiBase, 'POST', '/api/v1/functions', { zoneId: zone.id, name: 'hello', content: hello });
    await api(apiBase, 'POST', `/api/v1/functions/${fn.id}/replicas`, { name: 'canary', from: 'production' });
    // Zone "one.test": one rule. Zone "many.test": 199 rules that do not match, then the one that does.
    const one = await api(apiBase, 'POST', '/api/v1/zones', { name: 'one.test', origin: 'http://127.0.0.1:9' });
    const fnOne = await api(apiBase, 'POST', '/api/v1/functions', { zoneId: one.id, name: 'hello', content: hello });
    await api(apiBase, 'POST', `/api/v1/zones/${one.id}/rules`, { conditions: [[{ target: 'url', operator: 'equal', values: ['/hello'] }]], functionId: fnOne.id });
    const many = await api(apiBase, 'POST', '/api/v1/zones', { name: 'many.test', origin: 'http://127.0.0.1:9' });
    const fnMany = await api(apiBase, 'POST', '/api/v1/functions', { zoneId: many.id, name: 'hello', content: hello });
    for (let i = 0; i < 199; i++) {
      const conditions = [[{ target: 'url', operator: 'equal', values: [`/path-${i}/*`] }, { target: 'request_header', name: `x-rule-${i}`, operator: 'exist', values: [] }], [{ target: 'host', operator: 'equal', values: [`h${i}.many.test`] }]];
      await api(apiBase, 'POST', `/api/v1/zones/${many.id}/rules`, { conditions, functionId: fnMany.id });
    }
    await api(apiBase, 'POST', `/api/v1/zones/${many.id}/rules`, { conditions: [[{ target: 'url', operator: 'equal', values: ['/hello'] }]], functionId: fnMany.id });

    const targets = {
      plain: [plain.urls[0], {}],
      production: [gateway, { host: fn.domain }],
      replica: [gateway, { host: fn.domain, 'EO-Function-Replica-Name': 'canary' }],
      oneRule: [`${gateway}/hello`, { host: 'one.test' }],
      rules200: [`${gateway}/hello`, { host: 'many.test' }],
    };
    const results = Object.fromEntries(Object.keys(targets).map((k) => [k, []]));
    for (const [url, headers] of Object.values(targets)) await load(url, headers).catch(() => undefined); // warm-up
    for (let round = 0; round < rounds; round++) {
      const names = Object.keys(targets);
      const order = names.slice(round % names.length).concat(names.slice(0, round % names.length));
      for (const name of order) {
        const [url, headers] = targets[name];
        results[name].push(await load(url, headers));
      }
    }

    // Sync to live: after the sync call returns, how long until a request gets the new code.
    const syncTimes = [];
    for (let i = 0; i < 20; i++) {
      const text = `sync-${i}`;
      const replica = await api(apiBase, 'GET', `/api/v1/functions/${fn.id}/replicas/canary`);
      await api(apiBase, 'PATCH', `/api/v1/functions/${fn.id}/replicas/canary`, { content: `addEventListener('fetch', (e) => e.respondWith(new Response('${text}')));`, revision: replica.revision });
      const compared = await api(apiBase, 'GET', `/api/v1/functions/${fn.id}/replicas/canary/compare`);
      await api(apiBase, 'POST', `/api/v1/functions/${fn.id}/replicas/canary/sync`, { productionVersion: compared.production.version.id, confirm: true });
      const t0 = process.hrtime.bigint();
      for (;;) {
        const res = await request(gateway, { headers: { host: fn.domain } });
        if ((await res.body.text()) === text) break;
      }
      syncTimes.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
    const summary = Object.fromEntries(Object.entries(results).map(([k, rs]) => [k, { rps: median(rs.map((r) => r.rps)), p99: median(rs.map((r) => r.p99)), errors: rs.reduce((n, r) => n + r.errors, 0), rounds: rs.map((r) => Math.round(r.rps)) }]));
    return { summary, syncMs: { median: median(syncTimes), max: Math.max(...syncTimes) } };
  } finally {
    plain.stop();
    serve.stop();
  }
}

if (import.meta.url.endsWith(process.argv[1]?.split('/').pop() ?? '')) {
  const { summary: s, syncMs } = await measureGateway();
  const ratio = (a) => (s[a].rps / s.plain.rps).toFixed(2);
  const row = (name, value, bar, ok) => `| ${name} | ${value} | ${bar} | ${ok ? 'met' : '**missed**'} |`;
  const fmt = (k) => `${Math.round(s[k].rps)} req/s (p99 ${s[k].p99} ms; rounds ${s[k].rounds.join(', ')}; errors ${s[k].errors})`;
  const overhead = 1 - s.rules200.rps / s.oneRule.rps;
  console.log(`| measure | result | bar | |
|---|---|---|---|
| plain Node http server (ceiling) | ${fmt('plain')} | — | |
| production via default domain | ${fmt('production')} = ${ratio('production')}x | ≥ 0.25x | ${s.production.rps / s.plain.rps >= 0.25 ? 'met' : '**missed**'} |
${row('replica via header (lane process hop)', `${fmt('replica')} = ${ratio('replica')}x`, '≥ 0.15x', s.replica.rps / s.plain.rps >= 0.15)}
${row('production via 1 rule', fmt('oneRule'), '—', true)}
${row('production via 200 rules (199 miss first)', `${fmt('rules200')}: ${(overhead * 100).toFixed(1)}% slower than 1 rule`, '≤ 10%', overhead <= 0.1)}
${row('sync call returned → new code answering (20 syncs)', `median ${syncMs.median.toFixed(2)} ms, max ${syncMs.max.toFixed(2)} ms`, '≤ 50 ms', syncMs.max <= 50)}`);
}
