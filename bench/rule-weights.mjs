// Canary rules through a real gateway: how closely 10,000 requests follow the weights of a
// per-request draw and of a sticky rule, whether sticky clients stay put over 5 calls, and how many
// clients move the wrong way (new -> old) when the new side goes from 10% to 30%. Bars (issue 14):
// within +-2 percentage points over 10,000 requests; 100% of clients stay put; none move back.
// Everything targets 127.0.0.1 and stops by itself. BENCH_WORKERS (default 2) sets serve --workers.
import { Agent, request } from 'undici';
import { api, startServe } from './serve.mjs';

const workers = process.env.BENCH_WORKERS ?? '2';
const total = 10_000;
const clients = 2_000;
const code = (label) => `addEventListener('fetch', (event) => event.respondWith(new Response('${label}')));`;

const serve = await startServe(['--workers', workers]);
const agent = new Agent({ connections: 16 });
const get = async (path, headers = {}) => (await request(`${serve.gateway}${path}`, { headers: { host: 'canary.bench', ...headers }, dispatcher: agent })).body.text();
try {
  const zone = await api(serve.api, 'POST', '/api/v1/zones', { name: 'canary.bench', origin: 'http://127.0.0.1:9' });
  const oldFn = await api(serve.api, 'POST', '/api/v1/functions', { zoneId: zone.id, name: 'old', content: code('old') });
  const newFn = await api(serve.api, 'POST', '/api/v1/functions', { zoneId: zone.id, name: 'new', content: code('new') });
  const when = (path) => [[{ target: 'url', operator: 'equal', values: [path] }]];
  const weights = (n) => [{ functionId: oldFn.id, weight: 100 - n }, { functionId: newFn.id, weight: n }];
  await api(serve.api, 'POST', `/api/v1/zones/${zone.id}/rules`, { conditions: when('/draw'), action: { type: 'weight', targets: weights(30) } });
  const sticky = await api(serve.api, 'POST', `/api/v1/zones/${zone.id}/rules`, { conditions: when('/sticky'), action: { type: 'weight', targets: weights(10), sticky: { by: 'cookie', name: 'uid' } } });

  // Per-request draws: 10,000 requests, 16 at a time.
  let onNew = 0;
  for (let i = 0; i < total; i += 16) {
    const answers = await Promise.all(Array.from({ length: Math.min(16, total - i) }, () => get('/draw')));
    onNew += answers.filter((a) => a === 'new').length;
  }
  console.log(`draw 70/30: ${((onNew / total) * 100).toFixed(2)}% of ${total} on new (bar 30 +- 2)`);

  // Sticky: each client 5 calls; then the new side goes 10% -> 30%.
  const sides = async () => {
    const side = new Map();
    let unstable = 0;
    for (let i = 0; i < clients; i += 16) {
      await Promise.all(Array.from({ length: Math.min(16, clients - i) }, async (_, j) => {
        const uid = `client-${i + j}`;
        const seen = new Set();
        for (let call = 0; call < 5; call++) seen.add(await get('/sticky', { cookie: `uid=${uid}` }));
        if (seen.size > 1) unstable++;
        side.set(uid, [...seen][0]);
      }));
    }
    return { side, unstable };
  };
  const at10 = await sides();
  await api(serve.api, 'PATCH', `/api/v1/zones/${zone.id}/rules/${sticky.id}`, { action: { type: 'weight', targets: weights(30), sticky: { by: 'cookie', name: 'uid' } } });
  const at30 = await sides();
  const share = (s) => (([...s.side.values()].filter((v) => v === 'new').length / clients) * 100).toFixed(2);
  let back = 0;
  for (const [uid, side] of at10.side) if (side === 'new' && at30.side.get(uid) === 'old') back++;
  console.log(`sticky 90/10: ${share(at10)}% of ${clients} clients on new; clients that saw both sides over 5 calls: ${at10.unstable}`);
  console.log(`sticky 70/30: ${share(at30)}% on new; unstable: ${at30.unstable}; moved new -> old: ${back}`);
} finally {
  await agent.close();
  serve.stop();
}
