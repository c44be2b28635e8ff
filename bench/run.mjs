// Runs the benchmarks and prints a Markdown block for bench/RESULTS.md.
// Load only ever targets 127.0.0.1; every run is bounded in time.
import { execFileSync } from 'node:child_process';
import { cpus, totalmem } from 'node:os';
import { measureThroughput } from './throughput.mjs';

const throughput = await measureThroughput({
  plain: ['bench/plain-server.mjs'],
  sandbox: ['bin/edgefn.js', 'dev', 'bench/hello.js', '--port', '0', '--quiet'],
});
const cold = JSON.parse(execFileSync(process.execPath, ['--expose-gc', '--import', 'tsx', 'bench/coldstart.ts'], { encoding: 'utf8' }));

const ratio = throughput.sandbox.rps / throughput.plain.rps;
const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
const row = (name, value, bar, ok) => `| ${name} | ${value} | ${bar} | ${ok ? 'met' : '**missed**'} |`;
console.log(`### ${new Date().toISOString().slice(0, 10)} — ${machine}

| measure | result | bar | |
|---|---|---|---|
${row('plain Node http server (ceiling)', `${Math.round(throughput.plain.rps)} req/s (p99 ${throughput.plain.p99} ms; rounds ${throughput.plain.rounds.join(', ')})`, '—', true)}
${row('hello world through the sandbox (edgefn dev)', `${Math.round(throughput.sandbox.rps)} req/s (p99 ${throughput.sandbox.p99} ms; rounds ${throughput.sandbox.rounds.join(', ')}; errors ${throughput.sandbox.errors})`, '—', true)}
${row('sandbox / plain', `${ratio.toFixed(2)}x`, '≥ 0.30x', ratio >= 0.3)}
${row('cold start, brand-new isolate (median of 100)', `${cold.freshMs.toFixed(2)} ms`, '≤ 5 ms', cold.freshMs <= 5)}
${row('cold start, with the warm spare isolate (median of 100)', `${cold.spareMs.toFixed(2)} ms`, '≤ 5 ms', cold.spareMs <= 5)}
${row('RSS per idle loaded version (100 loaded)', `${cold.memory.perVersionMb.toFixed(2)} MB`, '≤ 2 MB', cold.memory.perVersionMb <= 2)}
`);
