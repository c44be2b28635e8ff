/**
 * Runs a differential suite (test/differential/cases/*.ts) twice:
 * - in Node's realm, the guest's TypeScript classes against Node's own;
 * - in a real isolate, the built guest bundle (dist/guest.js, via the Runtime) against Node's own.
 * The cases module is bundled with esbuild and run as one function whose fetch handler runs every
 * case with the isolate's globals and answers with all their outcomes as JSON.
 */
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { newRuntime, run } from '../helpers/runtime.ts';
import { outcomeOf, type Case, type Json, type Suite } from './cases/outcome.ts';

export interface DifferentialSuite<I> {
  /** The cases module's name under cases/ (bundled for the isolate). */
  module: string;
  suite: Suite<I>;
  /** The guest's classes, from its TypeScript sources. */
  guest: I;
  /** Node's classes; absent when Node has no counterpart (every case then has an expected value). */
  node?: I;
  /**
   * Cases ("group › case") where the isolate is known to differ from Node, with the reason. They
   * are checked to still differ, so that a fix shows up as a failure asking to drop the entry.
   */
  isolateDiffers?: Record<string, string>;
}

type Outcomes = Record<string, Record<string, Json>>;

const references = new WeakMap<object, Promise<Json>>();

/** The outcome `c` must have: Node's (when differential) and its expected value, which must agree. */
function reference<I>(c: Case<I>, node: I | undefined, name: string): Promise<Json> {
  let known = references.get(c);
  if (!known) references.set(c, (known = computeReference(c, node, name)));
  return known;
}

async function computeReference<I>(c: Case<I>, node: I | undefined, name: string): Promise<Json> {
  const value = c.expected?.value;
  const expected = c.expected ? await outcomeOf(() => (typeof value === 'function' ? (value as () => unknown)() : value), undefined) : undefined;
  if (!c.differential) {
    assert.ok(expected !== undefined, `${name}: no expected value`);
    return expected;
  }
  assert.ok(node, `${name}: no Node implementation to compare with`);
  const theirs = await outcomeOf(c.run, node);
  if (expected !== undefined) assert.deepEqual(theirs, expected, `${name}: Node's outcome is not the expected one`);
  return theirs;
}

/** Compares every case of a group; reports how many differ, with the first difference in full. */
async function compareGroup<I>(cases: Record<string, Case<I>>, node: I | undefined, actual: (name: string, c: Case<I>) => Promise<Json>, differs: (name: string) => string | undefined): Promise<void> {
  const failures: { name: string; error: unknown }[] = [];
  for (const [name, c] of Object.entries(cases)) {
    try {
      const expected = await reference(c, node, name);
      const reason = differs(name);
      if (reason === undefined) assert.deepEqual(await actual(name, c), expected, name);
      else assert.notDeepEqual(await actual(name, c), expected, `${name} now agrees with Node: drop it from isolateDiffers (${reason})`);
    } catch (error) {
      failures.push({ name, error });
    }
  }
  if (failures.length === 0) return;
  const first = failures[0]!.error;
  if (first instanceof Error && failures.length > 1) {
    first.message = `${failures.length} of ${Object.keys(cases).length} cases fail: ${failures.map((f) => f.name).join('; ')}\n\nThe first: ${first.message}`;
  }
  throw first;
}

const casesDir = fileURLToPath(new URL('./cases/', import.meta.url));

/** The cases module bundled into one script whose fetch handler answers with every outcome. */
async function bundle(module: string): Promise<string> {
  const entry = `
    import { suite } from './${module}.ts';
    import { runSuite } from './outcome.ts';
    addEventListener('fetch', (event) => event.respondWith(runSuite(suite, globalThis).then((out) => new Response(JSON.stringify(out)))));
  `;
  const result = await build({
    stdin: { contents: entry, resolveDir: casesDir, loader: 'ts', sourcefile: `${module}-isolate.ts` },
    bundle: true,
    write: false,
    format: 'iife',
    platform: 'browser',
    target: 'es2022',
    keepNames: true,
    logLevel: 'silent',
  });
  return result.outputFiles[0]!.text;
}

/** Runs the suite's cases in one execution in a real isolate. */
async function runInIsolate(module: string): Promise<Outcomes> {
  const code = await bundle(module);
  // One execution runs them all: far more CPU than a request may use.
  const runtime = newRuntime({ limits: { cpuMs: 60_000 } });
  try {
    const answer = await run(runtime, { code, filename: `${module}-cases.js` });
    assert.equal(answer.kind, 'response', `the isolate failed: ${answer.code ?? ''} ${answer.message ?? ''}`);
    assert.equal(answer.status, 200, answer.text);
    return JSON.parse(answer.text) as Outcomes;
  } finally {
    runtime.close();
  }
}

export function differentialSuite<I>(title: string, spec: DifferentialSuite<I>): void {
  describe(`${title}: guest sources in Node's realm`, () => {
    for (const [group, cases] of Object.entries(spec.suite)) {
      it(group, () => compareGroup(cases, spec.node, (_, c) => outcomeOf(c.run, spec.guest), () => undefined));
    }
  });

  describe(`${title}: guest bundle in a real isolate`, () => {
    let outcomes: Outcomes = {};
    const known = new Map(Object.entries(spec.isolateDiffers ?? {}));
    for (const key of known.keys()) {
      const [group = '', name = ''] = key.split(' › ');
      if (!spec.suite[group]?.[name]) throw new Error(`isolateDiffers names no case: ${key}`);
    }
    before(async () => {
      outcomes = await runInIsolate(spec.module);
    });
    it('ran exactly the cases of the suite', () => {
      const names = (s: Record<string, Record<string, unknown>>): string[][] => Object.entries(s).map(([g, cases]) => [g, ...Object.keys(cases)]);
      assert.deepEqual(names(outcomes), names(spec.suite));
    });
    for (const [group, cases] of Object.entries(spec.suite)) {
      it(group, () =>
        compareGroup(
          cases,
          spec.node,
          async (name) => {
            const outcome = outcomes[group]?.[name];
            assert.ok(outcome !== undefined, `${name}: no outcome from the isolate`);
            return outcome;
          },
          (name) => known.get(`${group} › ${name}`),
        ),
      );
    }
  });
}
