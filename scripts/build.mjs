// Builds the guest runtime bundle (runs inside isolates) and the host CLI into dist/.
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
  entryPoints: ['src/gateway/lane-main.ts'],
  outfile: 'dist/lane.js',
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  packages: 'external',
  sourcemap: true,
  logLevel: 'warning',
});

await build({
  entryPoints: ['src/cli/main.ts'],
  outfile: 'dist/edgefn.js',
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  packages: 'external',
  sourcemap: true,
  logLevel: 'warning',
});
