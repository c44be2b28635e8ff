// Cold start and idle memory of the runtime, in-process.
// - cold start: a never-seen hello-world version, from execute() to the response, both with the
//   runtime's warm spare isolate (what a request sees) and with a brand-new isolate (the full cost);
// - memory: RSS growth per idle loaded version, with 100 distinct versions loaded.
import { Runtime } from '../src/runtime/runtime.ts';
import { readFileSync } from 'node:fs';

const hello = readFileSync(new URL('./hello.js', import.meta.url), 'utf8');
const request = { method: 'GET', url: 'http://bench.local/', headers: ['host', 'bench.local'], body: null, clientIp: '127.0.0.1' };
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
// The spare is built off the event loop, in about as long as a brand-new isolate takes (issue 11).
const pause = (): Promise<void> => new Promise((r) => setTimeout(r, 30));

async function coldStarts(runs: number, withSpare: boolean): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const runtime = new Runtime({ maxIsolates: 10 });
    if (withSpare) await pause(); // let the spare isolate get built, as it would between requests
    const code = `${hello}\n// version ${i} ${Math.random()}`;
    const t0 = process.hrtime.bigint();
    const { outcome } = await runtime.execute({ code }, request);
    const t1 = process.hrtime.bigint();
    if (outcome.kind !== 'response') throw new Error('cold start failed');
    times.push(Number(t1 - t0) / 1e6);
    runtime.close();
  }
  return times;
}

async function idleMemory(versions: number): Promise<{ perVersionMb: number }> {
  const gc = (globalThis as { gc?: () => void }).gc;
  const runtime = new Runtime({ maxIsolates: versions + 10 });
  await pause();
  gc?.();
  const before = process.memoryUsage().rss;
  for (let i = 0; i < versions; i++) {
    const { outcome } = await runtime.execute({ code: `${hello}\n// idle ${i}` }, request);
    if (outcome.kind !== 'response') throw new Error('load failed');
  }
  await pause();
  gc?.();
  await pause();
  const after = process.memoryUsage().rss;
  runtime.close();
  return { perVersionMb: (after - before) / versions / 1024 / 1024 };
}

export async function measureColdStartAndMemory(): Promise<{ spareMs: number; freshMs: number; memory: { perVersionMb: number } }> {
  // Warm the process (module loading, code cache) before measuring.
  await coldStarts(5, false);
  const spare = await coldStarts(100, true);
  const fresh = await coldStarts(100, false);
  const memory = await idleMemory(100);
  return { spareMs: median(spare), freshMs: median(fresh), memory };
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop()!)) {
  console.log(JSON.stringify(await measureColdStartAndMemory()));
}
