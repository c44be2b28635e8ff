// Builds the guest runtime bundle (runs inside isolates) and the host programs (the CLI, the
// replica lane process and the gateway worker process) into dist/, and the web console into
// console/dist/ (served by edgefn serve on the admin port).
import { build } from 'esbuild';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename } from 'node:path';

// Chunk names change with their content: start clean so no stale file is left behind.
rmSync('dist', { recursive: true, force: true });
rmSync('console/dist', { recursive: true, force: true });

await build({
  entryPoints: ['src/runtime/guest/index.ts'],
  outfile: 'dist/guest.js',
  bundle: true,
  format: 'iife',
  platform: 'browser',
  target: 'es2022',
  minify: true,
  // Functions and classes keep their names: `Headers.name` is "Headers", not what the minifier
  // made of it (WebIDL, and the error messages and stacks functions see).
  keepNames: true,
  legalComments: 'none',
  logLevel: 'warning',
});

await build({
  entryPoints: { edgefn: 'src/cli/main.ts', lane: 'src/gateway/lane-main.ts', worker: 'src/gateway/worker-main.ts' },
  outdir: 'dist',
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node22',
  packages: 'external',
  // Chunks shared by the entries; `edgefn` loads the platform's code only for serve and dev.
  splitting: true,
  sourcemap: true,
  logLevel: 'warning',
});

// The console: one script and one stylesheet, named by content hash (served as immutable), and
// index.html pointing at them (with a per-response CSP nonce put in by the server).
const console = await build({
  entryPoints: { app: 'console/src/main.tsx' },
  outdir: 'console/dist/assets',
  entryNames: '[name]-[hash]',
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: ['chrome120', 'firefox120', 'safari17'],
  jsx: 'automatic',
  jsxImportSource: 'preact',
  minify: true,
  legalComments: 'linked',
  metafile: true,
  logLevel: 'warning',
});
const outputs = Object.keys(console.metafile.outputs).map((path) => basename(path));
const named = (ext) => outputs.find((name) => name.startsWith('app-') && name.endsWith(ext));
writeFileSync('console/dist/index.html', readFileSync('console/index.html', 'utf8').replace('%SCRIPT%', named('.js')).replace('%STYLE%', named('.css')));
