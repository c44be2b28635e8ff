// The load generator for every benchmark: the autocannon CLI in a process of its own, so it never
// competes with the orchestrating script's event loop (an in-process generator capped the plain
// server near 44k req/s on the 2-core machine, against 50-74k from its own process). Targets
// 127.0.0.1 only; every run is bounded in time.
import { spawn } from 'node:child_process';
import { join } from 'node:path';

const autocannonBin = join(import.meta.dirname, '..', 'node_modules', 'autocannon', 'autocannon.js');

/**
 * Loads `url` for `seconds` with `connections` connections (each with up to `pipelining` requests
 * sent ahead, and at most `rate` requests a second in all when given); resolves with req/s (average), p99
 * latency (ms), errors (socket errors, timeouts and non-2xx together) and non-2xx alone.
 */
export function load(url, headers = {}, { connections = 50, seconds = 10, pipelining = 1, rate } = {}) {
  if (!/^http:\/\/127\.0\.0\.1[:/]/.test(url)) throw new Error(`benchmarks only load 127.0.0.1, not ${url}`);
  const args = [autocannonBin, '-j', '-c', String(connections), '-d', String(seconds), '-p', String(pipelining)];
  if (rate) args.push('-R', String(Math.round(rate)));
  for (const [name, value] of Object.entries(headers)) args.push('-H', `${name}=${value}`);
  args.push(url);
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'ignore'] });
  // A hung generator must not hang the bench: it is killed a while after its duration.
  const guard = setTimeout(() => child.kill('SIGKILL'), (seconds + 30) * 1000);
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  return new Promise((resolve, reject) =>
    child.once('exit', () => {
      clearTimeout(guard);
      try {
        const r = JSON.parse(out);
        resolve({ rps: r.requests.average, p99: r.latency.p99, errors: r.errors + r.non2xx + r.timeouts, non2xx: r.non2xx });
      } catch {
        reject(new Error(`autocannon gave no result for ${url}: ${out.slice(0, 200)}`));
      }
    }),
  );
}

export const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
