// The Node bootstrap: which versions count as supported, and that a supported Node is left alone.
// The download path runs in every CI run (.ci/run on a machine with Node 20).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';

const satisfies = (version: string) => spawnSync(process.execPath, ['scripts/node-satisfies.mjs', version], { encoding: 'utf8' });

test('engines.node takes the 22 (from 22.12: a shared port) and 24 LTS lines and nothing older, odd or newer', () => {
  for (const ok of ['22.12.0', '22.23.5', '24.0.0', '24.22.3', 'v24.1.2']) assert.equal(satisfies(ok).status, 0, ok);
  for (const no of ['20.20.2', '21.7.3', '22.11.0', '23.11.0', '25.0.0', '26.12.1', '18.0.0']) assert.equal(satisfies(no).status, 1, no);
});

test('with no version it checks the running Node, which must be a supported one', () => {
  assert.equal(spawnSync(process.execPath, ['scripts/node-satisfies.mjs']).status, 0);
});

test('sourcing use-node.sh under a supported Node changes nothing', () => {
  const script = 'before="$PATH"; source scripts/use-node.sh; echo "$?|$([ "$PATH" = "$before" ] && echo same)|${npm_config_nodedir-unset}"';
  const env: NodeJS.ProcessEnv = { ...process.env, PATH: `${process.execPath.replace(/\/node$/, '')}:${process.env.PATH ?? ''}` };
  delete env.npm_config_nodedir;
  const run = spawnSync('bash', ['-c', script], { env, encoding: 'utf8' });
  assert.equal(run.stdout.trim(), '0|same|unset', run.stderr);
});
