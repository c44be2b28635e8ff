// Overload benchmark (issue #11): the gateway under far more than it can serve. Zone B's function
// (about 2 ms of CPU per request) is first loaded at its capacity (50 connections), then flooded
// twice: at 10 times that rate (500 connections), and with everything the load generator can send
// (500 connections with 10 requests pipelined on each). Meanwhile zone A's hello world is measured
// with 10 connections, and the resident memory of the serving process and its children (workers,
// replica lane) is sampled. Then A alone again, to see it recover. `BENCH_SERVE_ARGS` passes options to `edgefn serve` (e.g. `--workers 1`). Everything
// targets 127.0.0.1 and stops by itself.
import { request } from 'undici';
import { load } from './load.mjs';
import { api, startServe } from './serve.mjs';
import { treeRssMb } from './proc.mjs';

const duration = Number(process.env.BENCH_SECONDS ?? 10);
const hello = `addEventListener('fetch', (event) => event.respondWith(new Response('hi')));`;
const burn = `addEventListener('fetch', (event) => { const end = Date.now() + 2; while (Date.now() < end) {} event.respondWith(new Response('done')); });`;

export async function measureOverload() {
  const serve = await startServe();
  try {
    const a = await api(serve.api, 'POST', '/api/v1/zones', { name: 'a.test', origin: 'http://127.0.0.1:9' });
    const b = await api(serve.api, 'POST', '/api/v1/zones', { name: 'b.test', origin: 'http://127.0.0.1:9' });
    const victim = await api(serve.api, 'POST', '/api/v1/functions', { zoneId: a.id, name: 'hello', content: hello });
    const flooder = await api(serve.api, 'POST', '/api/v1/functions', { zoneId: b.id, name: 'busy', content: burn });
    for (const fn of [victim, flooder]) await request(`${serve.gateway}/`, { headers: { host: fn.domain } }).then((r) => r.body.text());
    const url = `${serve.gateway}/`;
    await load(url, { host: victim.domain }, { connections: 10, seconds: 2 }); // warm-up

    const results = { idleRssMb: treeRssMb(serve.pid) };
    results.victimAlone = await load(url, { host: victim.domain }, { connections: 10, seconds: duration });
    results.capacity = await load(url, { host: flooder.domain }, { connections: 50, seconds: duration });
    let peak = 0;
    const sampler = setInterval(() => (peak = Math.max(peak, treeRssMb(serve.pid))), 200);
    for (const [name, options] of [
      ['tenfold', { connections: 500, rate: 10 * results.capacity.rps }],
      ['unbounded', { connections: 500, pipelining: 10 }],
    ]) {
      const flood = load(url, { host: flooder.domain }, { ...options, seconds: duration + 2 });
      await new Promise((r) => setTimeout(r, 1000));
      const victimFlooded = await load(url, { host: victim.domain }, { connections: 10, seconds: duration });
      results[name] = { flood: await flood, victim: victimFlooded };
    }
    clearInterval(sampler);
    results.peakRssMb = peak;
    results.victimAfter = await load(url, { host: victim.domain }, { connections: 10, seconds: duration });
    return results;
  } finally {
    serve.stop();
  }
}

if (import.meta.url.endsWith(process.argv[1]?.split('/').pop() ?? '')) {
  const r = await measureOverload();
  const fmt = (x) => `${Math.round(x.rps)} req/s, p99 ${x.p99} ms, errors ${x.errors}`;
  console.log(
    [
      `busy function at capacity (50 connections): ${fmt(r.capacity)}`,
      `victim alone: ${fmt(r.victimAlone)}`,
      ...['tenfold', 'unbounded'].map(
        (name) =>
          `${name} flood: ${Math.round(r[name].flood.rps)} answers/s (${r[name].flood.non2xx} non-2xx in all); victim meanwhile ${fmt(r[name].victim)} = ${(r[name].victim.rps / r.victimAlone.rps).toFixed(2)}x`,
      ),
      `victim after: ${fmt(r.victimAfter)}`,
      `resident memory (serving process and children): idle ${Math.round(r.idleRssMb)} MB, peak during the floods ${Math.round(r.peakRssMb)} MB`,
    ].join('\n'),
  );
}
