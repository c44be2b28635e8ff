// Shadow traffic benchmark (issue #14): what mirroring production requests to a replica costs
// production. One function (a small JSON answer) is loaded with shadow traffic off, at 10% and at
// 100% to a replica with the same code, in alternation for BENCH_ROUNDS rounds (default 4; medians
// are compared). Two loads: a fixed rate well under capacity (p99 latency is the bar: under 5%
// added) and all it can take (throughput and p99). During each fixed-rate run, the CPU time of the
// serving process and the gateway workers (not the replica lane, which runs on idle CPU only) per
// request, from /proc: a steadier figure than p99 on a noisy machine.
// `BENCH_SERVE_ARGS` passes options to `edgefn serve`. Everything targets 127.0.0.1 and stops by
// itself.
import { request } from 'undici';
import { load, median } from './load.mjs';
import { api, startServe } from './serve.mjs';
import { platformCpuSeconds } from './proc.mjs';

const seconds = Number(process.env.BENCH_SECONDS ?? 10);
const rounds = Number(process.env.BENCH_ROUNDS ?? 4);
const code = `addEventListener('fetch', (event) => {
  const url = new URL(event.request.url);
  event.respondWith(Response.json({ path: url.pathname, items: Array.from({ length: 20 }, (_, i) => ({ id: i, name: 'item ' + i })) }));
});`;

export async function measureShadow() {
  const serve = await startServe();
  try {
    const zone = await api(serve.api, 'POST', '/api/v1/zones', { name: 'shadow.bench', origin: 'http://127.0.0.1:9' });
    const fn = await api(serve.api, 'POST', '/api/v1/functions', { zoneId: zone.id, name: 'mirrored', content: code });
    await api(serve.api, 'POST', `/api/v1/functions/${fn.id}/replicas`, { name: 'next', from: 'production' });
    const shadow = (percent) => api(serve.api, 'PUT', `/api/v1/functions/${fn.id}/replicas/next/shadow`, { percent });
    const url = `${serve.gateway}/items`;
    const headers = { host: fn.domain };
    await request(url, { headers }).then((r) => r.body.text());
    await load(url, headers, { connections: 10, seconds: 2 }); // warm-up
    const capacity = await load(url, headers, { connections: 50, seconds });
    const rate = Math.round(capacity.rps / 4);
    const runs = { off: [], 10: [], 100: [] };
    for (let round = 0; round < rounds; round++) {
      for (const setting of ['off', 10, 100]) {
        await shadow(setting === 'off' ? 0 : setting);
        const cpuBefore = platformCpuSeconds(serve.pid);
        const fixed = await load(url, headers, { connections: 10, seconds, rate });
        fixed.cpuUsPerRequest = ((platformCpuSeconds(serve.pid) - cpuBefore) * 1e6) / (fixed.rps * seconds);
        const full = await load(url, headers, { connections: 50, seconds });
        runs[setting].push({ fixed, full });
      }
    }
    await shadow(0);
    const report = await api(serve.api, 'GET', `/api/v1/functions/${fn.id}/replicas/next/shadow/report`);
    return { capacity, rate, runs, lastReport: report.report };
  } finally {
    serve.stop();
  }
}

if (import.meta.url.endsWith(process.argv[1]?.split('/').pop() ?? '')) {
  const r = await measureShadow();
  const p99 = (setting, kind) => median(r.runs[setting].map((run) => run[kind].p99));
  const rps = (setting) => median(r.runs[setting].map((run) => run.full.rps));
  const cpu = (setting) => median(r.runs[setting].map((run) => run.fixed.cpuUsPerRequest));
  const lines = [`capacity ${Math.round(r.capacity.rps)} req/s; fixed rate ${r.rate} req/s (10 connections)`];
  for (const setting of ['off', 10, 100]) {
    const label = setting === 'off' ? 'shadow off' : `shadow ${setting}%`;
    const errors = r.runs[setting].reduce((n, run) => n + run.fixed.errors + run.full.errors, 0);
    const added = setting === 'off' ? '' : ` (median fixed-rate p99 ${(((p99(setting, 'fixed') - p99('off', 'fixed')) / p99('off', 'fixed')) * 100).toFixed(1)}% vs off; CPU per request ${(((cpu(setting) - cpu('off')) / cpu('off')) * 100).toFixed(1)}% vs off; median throughput ${(rps(setting) / rps('off')).toFixed(2)}x)`;
    lines.push(`${label}: fixed-rate p99 ${r.runs[setting].map((run) => run.fixed.p99).join(' / ')} ms, platform CPU ${r.runs[setting].map((run) => Math.round(run.fixed.cpuUsPerRequest)).join(' / ')} µs/request, full load ${r.runs[setting].map((run) => Math.round(run.full.rps)).join(' / ')} req/s p99 ${r.runs[setting].map((run) => run.full.p99).join(' / ')} ms, errors ${errors}${added}`);
  }
  const kinds = Object.entries(r.lastReport.mismatches).map(([kind, { count, examples }]) => `${kind} ${count} (e.g. replica ${examples[0]?.replica.outcome})`);
  lines.push(`last report (100%, last round): ${r.lastReport.pairs} pairs, ${r.lastReport.matches} matches${kinds.length ? ` (differing: ${kinds.join(', ')})` : ''}, ${r.lastReport.skipped} skipped (too many in flight)`);
  console.log(lines.join('\n'));
}
