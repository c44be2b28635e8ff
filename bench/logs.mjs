// Invocation-log benchmark: gateway throughput with records on and off (`serve --invocation-logs`),
// for a hello world that logs one console line per request, so every record carries something.
// Two servers run side by side (one on, one off, both idle while the other is loaded) and are
// loaded alternately, the order flipping each pair; with `--workers 2` as well, since records then
// cross from worker processes to the serving process over IPC. Bar: on / off >= 0.9.
// BENCH_SECONDS (default 10), BENCH_PAIRS (default 3), BENCH_WORKERS (default "1,2"). Everything
// targets 127.0.0.1 and stops by itself.
import { load, median } from './load.mjs';
import { api, startServe } from './serve.mjs';

const seconds = Number(process.env.BENCH_SECONDS ?? 10);
const pairs = Number(process.env.BENCH_PAIRS ?? 3);
const workerCounts = (process.env.BENCH_WORKERS ?? '1,2').split(',').map(Number);
const hello = `addEventListener('fetch', (event) => {
  console.log('hello from', new URL(event.request.url).pathname);
  event.respondWith(new Response('hi', { headers: { 'content-type': 'text/plain' } }));
});`;

async function setUp(serve) {
  const zone = await api(serve.api, 'POST', '/api/v1/zones', { name: 'bench.test', origin: 'http://127.0.0.1:9' });
  const fn = await api(serve.api, 'POST', '/api/v1/functions', { zoneId: zone.id, name: 'hello', content: hello });
  return { url: serve.gateway, headers: { host: fn.domain }, fn };
}

export async function measureLogs(workers) {
  const [on, off] = await Promise.all([startServe(['--workers', String(workers), '--invocation-logs', 'on']), startServe(['--workers', String(workers), '--invocation-logs', 'off'])]);
  try {
    const targets = { on: await setUp(on), off: await setUp(off) };
    for (const t of Object.values(targets)) await load(t.url, t.headers, { seconds: 2 }); // warm-up
    const runs = { on: [], off: [] };
    for (let pair = 0; pair < pairs; pair++) {
      for (const name of pair % 2 === 0 ? ['on', 'off'] : ['off', 'on']) {
        const t = targets[name];
        runs[name].push(await load(t.url, t.headers, { seconds }));
      }
    }
    // Records were made (and kept) with logging on, and not with it off.
    const listed = await api(on.api, 'GET', `/api/v1/functions/${targets.on.fn.id}/logs?limit=1`);
    const refused = await api(off.api, 'GET', `/api/v1/functions/${targets.off.fn.id}/logs?limit=1`).then(() => 'answered', (error) => error.message);
    if (listed.records.length !== 1 || !/: 409 /.test(refused)) throw new Error(`unexpected logs answers: ${listed.records.length} record(s) / ${refused}`);
    const ratios = runs.on.map((r, i) => r.rps / runs.off[i].rps);
    return { workers, on: runs.on, off: runs.off, ratios, median: median(ratios) };
  } finally {
    on.stop();
    off.stop();
  }
}

if (import.meta.url.endsWith(process.argv[1]?.split('/').pop() ?? '')) {
  console.log('| workers | pair | on (req/s, p99) | off (req/s, p99) | on / off |');
  console.log('|---|---|---|---|---|');
  const results = [];
  for (const workers of workerCounts) {
    const r = await measureLogs(workers);
    results.push(r);
    r.ratios.forEach((ratio, i) => {
      const cell = (run) => `${Math.round(run.rps)} (${run.p99} ms${run.errors ? `, ${run.errors} errors` : ''})`;
      console.log(`| ${workers} | ${i + 1} | ${cell(r.on[i])} | ${cell(r.off[i])} | ${ratio.toFixed(3)} |`);
    });
  }
  for (const r of results) console.log(`workers ${r.workers}: median on/off ${r.median.toFixed(3)} (bar >= 0.9: ${r.median >= 0.9 ? 'met' : 'MISSED'})`);
}
