// Lint rules, including the import layers of design/architecture.md:
// cli, console -> (HTTP) control; control -> store, runtime, domain; gateway -> store, runtime, domain;
// runtime -> domain; store -> domain; domain -> nothing.
import tseslint from 'typescript-eslint';

const layer = (files, patterns) => ({
  files,
  ignores: ['**/*.test.ts'],
  rules: { 'no-restricted-imports': ['error', { patterns }] },
});

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'console/dist/**', '.edgefn/**'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  layer(['src/domain/**/*.ts'], [
    { group: ['**/runtime/**', '**/store/**', '**/control/**', '**/gateway/**', '**/cli/**'], message: 'domain/ is pure: it imports nothing from the other layers.' },
    { group: ['node:*'], message: 'domain/ is pure: keep Node APIs in the layers that do I/O.' },
  ]),
  layer(['src/runtime/**/*.ts'], [
    { group: ['**/store/**', '**/control/**', '**/gateway/**', '**/cli/**'], message: 'runtime/ knows nothing of stores, HTTP routing or the CLI; take what you need as options.' },
    { group: ['isolated-vm'], message: 'Only src/runtime/isolate.ts may import isolated-vm; go through it.' },
  ]),
  {
    files: ['src/runtime/isolate.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [{ group: ['**/store/**', '**/control/**', '**/gateway/**', '**/cli/**'], message: 'runtime/ knows nothing of stores, HTTP routing or the CLI.' }] }] },
  },
  layer(['src/runtime/guest/**/*.ts'], [
    { regex: '^(?!\\./)', message: 'Guest code runs inside the isolate: it imports only other guest modules (./x.ts); bundled libraries load lazily through require() in streams.ts / index.ts.' },
  ]),
  layer(['src/store/**/*.ts'], [
    { group: ['**/runtime/**', '**/control/**', '**/gateway/**', '**/cli/**'], message: 'store/ depends only on domain/.' },
  ]),
  layer(['src/gateway/**/*.ts'], [
    { group: ['**/control/**', '**/cli/**'], message: 'The gateway reads the store and its change feed; it never calls the control plane.' },
  ]),
  layer(['src/control/**/*.ts'], [
    { group: ['**/gateway/**', '**/cli/**'], message: 'The control plane talks to the gateway only through the store.' },
  ]),
  layer(['src/cli/**/*.ts'], [
    { group: ['**/store/**', '**/control/**', '**/gateway/**', '**/runtime/**'], message: 'The CLI talks to the HTTP API only (`edgefn dev` in dev.ts is the exception).' },
  ]),
  layer(['console/src/**/*.ts', 'console/src/**/*.tsx'], [
    { group: ['**/src/**', '**/test/**', 'node:*'], message: 'The console runs in the browser and talks to the platform only through the HTTP API (console/src/api.ts).' },
  ]),
  // `edgefn dev` is a one-function gateway: it runs the runtime and the gateway's HTTP helpers.
  layer(['src/cli/dev.ts'], [
    { group: ['**/store/**', '**/control/**'], message: '`edgefn dev` serves a file; it has no store or control plane.' },
  ]),
);
