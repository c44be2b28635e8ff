// Hello-world throughput through the sandbox (edgefn dev) against a plain Node server, measured
// in the same run: autocannon on 127.0.0.1, 50 connections, 10 s, 3 rotated rounds, medians.
import { spawn } from 'node:child_process';
import autocannon from 'autocannon';

const connections = 50;
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

function load(url, seconds = duration) {
  return new Promise((resolve, reject) => {
    autocannon({ url, connections, duration: seconds }, (err, result) => (err ? reject(err) : resolve(result)));
  });
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

export async function measureThroughput(targets) {
  const servers = {};
  for (const [name, args] of Object.entries(targets)) servers[name] = await start(args);
  const results = Object.fromEntries(Object.keys(targets).map((n) => [n, []]));
  try {
    for (const server of Object.values(servers)) await load(server.url, 2); // warm-up, not recorded
    for (let round = 0; round < rounds; round++) {
      // Rotate the order each round so neither side always runs first (warm-up, thermal drift).
      const names = Object.keys(targets);
      const order = names.slice(round % names.length).concat(names.slice(0, round % names.length));
      for (const name of order) {
        const r = await load(servers[name].url);
        results[name].push({ rps: r.requests.average, p99: r.latency.p99, errors: r.errors + r.non2xx });
      }
    }
  } finally {
    for (const s of Object.values(servers)) s.stop();
  }
  return Object.fromEntries(
    Object.entries(results).map(([name, rs]) => [name, { rps: median(rs.map((r) => r.rps)), p99: median(rs.map((r) => r.p99)), errors: rs.reduce((n, r) => n + r.errors, 0), rounds: rs.map((r) => Math.round(r.rps)) }]),
  );
}
