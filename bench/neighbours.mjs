// Neighbour benchmarks (issue #11): what a busy or abusive function costs the others on one node.
// - replica abuse: production hello world alone, then while a replica of another function loops
//   until its CPU limit or allocates until its memory limit, requested back to back;
// - heavy neighbours: zone A's hello world alone, then while zone B's function burns 100 ms of CPU
//   per request (2 connections), then while B's and C's burn at once (1 connection each);
// - parallelism: one 100 ms request alone vs two different 100 ms functions requested at once.
// Load comes from the autocannon CLI in its own process (bench/load.mjs). Everything targets
// 127.0.0.1 and stops by itself.
import { request } from 'undici';
import { load as loadCli, median } from './load.mjs';
import { api, startServe } from './serve.mjs';

const load = (url, headers, { connections = 50, seconds = duration } = {}) => loadCli(url, headers, { connections, seconds });

const duration = Number(process.env.BENCH_SECONDS ?? 10);
const hello = `addEventListener('fetch', (event) => event.respondWith(new Response('hi')));`;
const functions = {
  loop: `addEventListener('fetch', (event) => { for (;;) {} });`,
  bomb: `addEventListener('fetch', (event) => { const keep = []; for (;;) keep.push(new Array(1e6).fill(1)); });`,
  burn: `addEventListener('fetch', (event) => { const end = Date.now() + 100; while (Date.now() < end) {} event.respondWith(new Response('done')); });`,
  burn2: `addEventListener('fetch', (event) => { const end = Date.now() + 100; while (Date.now() < end) {} event.respondWith(new Response('done too')); });`,
};

export async function measureNeighbours() {
  const serve = await startServe();
  try {
    const zone = await api(serve.api, 'POST', '/api/v1/zones', { name: 'a.test', origin: 'http://127.0.0.1:9' });
    const other = await api(serve.api, 'POST', '/api/v1/zones', { name: 'b.test', origin: 'http://127.0.0.1:9' });
    const fnA = await api(serve.api, 'POST', '/api/v1/functions', { zoneId: zone.id, name: 'hello', content: hello });
    const fnB = await api(serve.api, 'POST', '/api/v1/functions', { zoneId: other.id, name: 'busy', content: functions.burn });
    const third = await api(serve.api, 'POST', '/api/v1/zones', { name: 'c.test', origin: 'http://127.0.0.1:9' });
    const fnC = await api(serve.api, 'POST', '/api/v1/functions', { zoneId: third.id, name: 'busy', content: functions.burn2 });
    for (const name of ['loop', 'bomb']) await api(serve.api, 'POST', `/api/v1/functions/${fnB.id}/replicas`, { name, content: functions[name] });
    const production = [`${serve.gateway}/`, { host: fnA.domain }];
    for (const fn of [fnB, fnC]) await request(`${serve.gateway}/`, { headers: { host: fn.domain } }).then((r) => r.body.text()); // loaded
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
    {
      const abuse = Promise.all([fnB, fnC].map((fn) => load(`${serve.gateway}/`, { host: fn.domain }, { connections: 1, seconds: duration + 2 })));
      await new Promise((r) => setTimeout(r, 1000));
      const measured = await load(...production);
      const [b, c] = await abuse;
      results['two 100 ms CPU neighbours'] = { production: measured, abuser: { rps: b.rps + c.rps, non2xx: b.non2xx + c.non2xx } };
    }
    const once = async (fn) => {
      const t0 = performance.now();
      const res = await request(`${serve.gateway}/`, { headers: { host: fn.domain } });
      await res.body.text();
      return performance.now() - t0;
    };
    const one = [];
    const two = [];
    for (let i = 0; i < 9; i++) {
      one.push(await once(fnB));
      two.push(Math.max(...(await Promise.all([once(fnB), once(fnC)]))));
    }
    results.parallel = { oneMs: median(one), twoMs: median(two) };
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
    if (name === 'solo' || name === 'parallel') continue;
    lines.push(`| with ${name} (${Math.round(v.abuser.rps)} req/s of it, ${v.abuser.non2xx} non-2xx) | ${fmt(v.production)} | ${(v.production.rps / r.solo.rps).toFixed(2)}x |`);
  }
  lines.push('', `two different 100 ms functions at once: ${r.parallel.twoMs.toFixed(0)} ms vs one alone ${r.parallel.oneMs.toFixed(0)} ms = ${(r.parallel.twoMs / r.parallel.oneMs).toFixed(2)}x (medians of 9)`);
  console.log(lines.join('\n'));
}
