// Hello-world throughput through the sandbox (edgefn dev) against a plain Node server, measured
// in the same run: autocannon (its own process, bench/load.mjs) on 127.0.0.1, 50 connections, 10 s,
// 3 rotated rounds, medians.
import { spawn } from 'node:child_process';
import { load, median } from './load.mjs';

const duration = Number(process.env.BENCH_SECONDS ?? 10);
const rounds = Number(process.env.BENCH_ROUNDS ?? 3);

/** Starts a server process and resolves with its URL (the first http:// URL it prints). */
function start(args) {
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      const m = /(http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (m) resolve({ url: m[1], stop: () => child.kill('SIGTERM') });
    });
    child.once('exit', (code) => reject(new Error(`server exited (${code}): ${out}`)));
  });
}


export async function measureThroughput(targets) {
  const servers = {};
  for (const [name, args] of Object.entries(targets)) servers[name] = await start(args);
  const results = Object.fromEntries(Object.keys(targets).map((n) => [n, []]));
  try {
    for (const server of Object.values(servers)) await load(server.url, {}, { seconds: 2 }); // warm-up, not recorded
    for (let round = 0; round < rounds; round++) {
      // Rotate the order each round so neither side always runs first (warm-up, thermal drift).
      const names = Object.keys(targets);
      const order = names.slice(round % names.length).concat(names.slice(0, round % names.length));
      for (const name of order) {
        results[name].push(await load(servers[name].url, {}, { seconds: duration }));
      }
    }
  } finally {
    for (const s of Object.values(servers)) s.stop();
  }
  return Object.fromEntries(
    Object.entries(results).map(([name, rs]) => [name, { rps: median(rs.map((r) => r.rps)), p99: median(rs.map((r) => r.p99)), errors: rs.reduce((n, r) => n + r.errors, 0), rounds: rs.map((r) => Math.round(r.rps)) }]),
  );
}
