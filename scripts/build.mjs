// Builds the guest runtime bundle (runs inside isolates) and the host programs (the CLI, the
// replica lane process and the gateway worker process) into dist/.
import { build } from 'esbuild';

await build({
  entryPoints: ['src/runtime/guest/index.ts'],
  outfile: 'dist/guest.js',
  bundle: true,
  format: 'iife',
  platform: 'browser',
  target: 'es2022',
  minify: true,
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
