import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { unifiedDiff } from './diff.ts';

const labels = { oldLabel: 'production', newLabel: 'replica' };

/**
 * Applies a unified diff to `oldText`, strictly: context and removed lines must match, hunk line
 * counts must agree with their headers, and `\ No newline at end of file` is honoured.
 */
function applyPatch(oldText: string, diff: string): string {
  if (diff === '') return oldText;
  const oldLines = splitKeepingEol(oldText);
  const lines = diff.split('\n');
  assert.equal(lines.pop(), '', 'a diff ends with a newline');
  assert.match(lines[0] ?? '', /^--- /);
  assert.match(lines[1] ?? '', /^\+\+\+ /);
  const out: string[] = [];
  let oldIndex = 0;
  let i = 2;
  while (i < lines.length) {
    const header = /^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@$/.exec(lines[i] ?? '');
    assert.ok(header, `hunk header expected, got ${JSON.stringify(lines[i])}`);
    const oldStart = Number(header[1]);
    const oldCount = header[2] === undefined ? 1 : Number(header[2]);
    const newCount = header[4] === undefined ? 1 : Number(header[4]);
    const from = oldCount === 0 ? oldStart : oldStart - 1;
    assert.ok(from >= oldIndex, 'hunks are in order and do not overlap');
    while (oldIndex < from) out.push(oldLines[oldIndex++] ?? '');
    i++;
    let seenOld = 0;
    let seenNew = 0;
    while (i < lines.length && !(lines[i] ?? '').startsWith('@@')) {
      const line = lines[i] ?? '';
      const kind = line[0];
      let text = `${line.slice(1)}\n`;
      if (lines[i + 1] === '\\ No newline at end of file') {
        text = line.slice(1);
        i++;
      }
      if (kind === ' ' || kind === '-') {
        assert.equal(oldLines[oldIndex], text, `old line ${oldIndex + 1} matches`);
        oldIndex++;
        seenOld++;
      }
      if (kind === ' ' || kind === '+') {
        out.push(text);
        seenNew++;
      }
      assert.ok(kind === ' ' || kind === '-' || kind === '+', `bad line ${JSON.stringify(line)}`);
      i++;
    }
    assert.equal(seenOld, oldCount, 'old count in header');
    assert.equal(seenNew, newCount, 'new count in header');
  }
  while (oldIndex < oldLines.length) out.push(oldLines[oldIndex++] ?? '');
  return out.join('');
}

function splitKeepingEol(text: string): string[] {
  return text.match(/[^\n]*\n|[^\n]+$/g) ?? [];
}

function lineCount(text: string): number {
  return splitKeepingEol(text).length;
}

/** Length of a longest common subsequence of lines, by the textbook table (small inputs only). */
function lcsLength(a: string[], b: string[]): number {
  const row = new Array<number>(b.length + 1).fill(0);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = 0;
    for (let j = 1; j <= b.length; j++) {
      const up = row[j] ?? 0;
      row[j] = a[i - 1] === b[j - 1] ? diagonal + 1 : Math.max(up, row[j - 1] ?? 0);
      diagonal = up;
    }
  }
  return row[b.length] ?? 0;
}

/** A small deterministic generator, so failures replay. */
function createRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('unifiedDiff', () => {
  it('gives an empty diff for equal texts', () => {
    assert.deepEqual(unifiedDiff('', '', labels), { diff: '', added: 0, removed: 0 });
    assert.deepEqual(unifiedDiff('a\nb\n', 'a\nb\n', labels), { diff: '', added: 0, removed: 0 });
  });

  it('formats a one-line change with context', () => {
    const oldText = 'one\ntwo\nthree\nfour\nfive\nsix\nseven\n';
    const newText = 'one\ntwo\nthree\nFOUR\nfive\nsix\nseven\n';
    const result = unifiedDiff(oldText, newText, labels);
    assert.equal(
      result.diff,
      ['--- production', '+++ replica', '@@ -1,7 +1,7 @@', ' one', ' two', ' three', '-four', '+FOUR', ' five', ' six', ' seven', ''].join('\n'),
    );
    assert.equal(result.added, 1);
    assert.equal(result.removed, 1);
  });

  it('trims context at the edges and omits ",1"', () => {
    const result = unifiedDiff('a\nb\nc\n', 'a\nB\nc\n', { ...labels, context: 0 });
    assert.equal(result.diff, '--- production\n+++ replica\n@@ -2 +2 @@\n-b\n+B\n');
  });

  it('writes empty ranges as the line before', () => {
    assert.equal(unifiedDiff('', 'x\n', labels).diff, '--- production\n+++ replica\n@@ -0,0 +1 @@\n+x\n');
    assert.equal(unifiedDiff('x\n', '', labels).diff, '--- production\n+++ replica\n@@ -1 +0,0 @@\n-x\n');
    assert.equal(unifiedDiff('a\nb\n', 'a\nnew\nb\n', { ...labels, context: 0 }).diff, '--- production\n+++ replica\n@@ -1,0 +2 @@\n+new\n');
  });

  it('splits far-apart changes into hunks and merges close ones', () => {
    const base = Array.from({ length: 30 }, (_, i) => `line ${i + 1}`);
    const far = [...base];
    far[2] = 'changed 3';
    far[25] = 'changed 26';
    const farDiff = unifiedDiff(`${base.join('\n')}\n`, `${far.join('\n')}\n`, labels).diff;
    assert.deepEqual(farDiff.match(/^@@.*@@$/gm), ['@@ -1,6 +1,6 @@', '@@ -23,7 +23,7 @@']);
    const near = [...base];
    near[10] = 'changed 11';
    near[17] = 'changed 18'; // 6 unchanged lines between: exactly 2 × context, one hunk
    const nearDiff = unifiedDiff(`${base.join('\n')}\n`, `${near.join('\n')}\n`, labels).diff;
    assert.deepEqual(nearDiff.match(/^@@.*@@$/gm), ['@@ -8,14 +8,14 @@']);
    near[18] = 'line 19';
    near[17] = 'line 18';
    near[18] = 'changed 19'; // 7 unchanged lines between: two hunks
    const splitDiff = unifiedDiff(`${base.join('\n')}\n`, `${near.join('\n')}\n`, labels).diff;
    assert.equal(splitDiff.match(/^@@.*@@$/gm)?.length, 2);
  });

  it('marks a missing newline at the end', () => {
    assert.equal(
      unifiedDiff('a\nb', 'a\nb\n', labels).diff,
      '--- production\n+++ replica\n@@ -1,2 +1,2 @@\n a\n-b\n\\ No newline at end of file\n+b\n',
    );
    assert.equal(
      unifiedDiff('a\nb', 'a\nc', labels).diff,
      '--- production\n+++ replica\n@@ -1,2 +1,2 @@\n a\n-b\n\\ No newline at end of file\n+c\n\\ No newline at end of file\n',
    );
    assert.equal(unifiedDiff('x\nz', 'y\nz', labels).diff, '--- production\n+++ replica\n@@ -1,2 +1,2 @@\n-x\n+y\n z\n\\ No newline at end of file\n');
  });

  it('keeps CRLF line ends as part of the line', () => {
    const result = unifiedDiff('a\r\nb\r\n', 'a\r\nc\r\n', labels);
    assert.equal(result.diff, '--- production\n+++ replica\n@@ -1,2 +1,2 @@\n a\r\n-b\r\n+c\r\n');
    assert.equal(applyPatch('a\r\nb\r\n', result.diff), 'a\r\nc\r\n');
  });

  it('finds a minimal diff on a classic example', () => {
    // Myers' paper: ABCABBA → CBABAC needs 5 edits.
    const a = 'A B C A B B A'.split(' ').join('\n') + '\n';
    const b = 'C B A B A C'.split(' ').join('\n') + '\n';
    const result = unifiedDiff(a, b, labels);
    assert.equal(result.added + result.removed, 5);
    assert.equal(applyPatch(a, result.diff), b);
  });

  it('round-trips and is minimal on random edits', () => {
    const random = createRandom(42);
    const pick = (n: number): number => Math.floor(random() * n);
    for (let round = 0; round < 400; round++) {
      const alphabet = 2 + pick(6);
      const oldLines = Array.from({ length: pick(40) }, () => `l${pick(alphabet)}`);
      const newLines = [...oldLines];
      for (let edits = pick(8); edits > 0; edits--) {
        const at = pick(newLines.length + 1);
        if (random() < 0.5 && newLines.length > 0) newLines.splice(Math.min(at, newLines.length - 1), 1 + pick(3));
        else newLines.splice(at, 0, ...Array.from({ length: 1 + pick(3) }, () => `l${pick(alphabet)}`));
      }
      const endOld = random() < 0.2 ? '' : '\n';
      const endNew = random() < 0.2 ? '' : '\n';
      const oldText = oldLines.length === 0 ? '' : oldLines.join('\n') + endOld;
      const newText = newLines.length === 0 ? '' : newLines.join('\n') + endNew;
      const context = pick(4);
      const result = unifiedDiff(oldText, newText, { ...labels, context });
      assert.equal(applyPatch(oldText, result.diff), newText, `round ${round}`);
      const oldKeys = splitKeepingEol(oldText);
      const newKeys = splitKeepingEol(newText);
      const common = lcsLength(oldKeys, newKeys);
      assert.equal(result.removed, oldKeys.length - common, `round ${round}: removed is minimal`);
      assert.equal(result.added, newKeys.length - common, `round ${round}: added is minimal`);
    }
  });

  it('handles 5 MB inputs with a few changes', () => {
    const lines = Array.from({ length: 100_000 }, (_, i) => `const value${i} = compute(${i}, 'some padding text');`);
    const oldText = `${lines.join('\n')}\n`;
    assert.ok(oldText.length > 5_000_000);
    const changed = [...lines];
    changed[10] = 'changed';
    changed.splice(50_000, 3);
    changed.splice(99_990, 0, 'inserted a', 'inserted b');
    const newText = `${changed.join('\n')}\n`;
    const result = unifiedDiff(oldText, newText, labels);
    assert.equal(result.removed, 4);
    assert.equal(result.added, 3);
    assert.equal(result.diff.match(/^@@/gm)?.length, 3);
    assert.equal(applyPatch(oldText, result.diff), newText);
  });

  it('stays correct (if not minimal) when the inputs share nothing in order', () => {
    // Far past the cost cut-off: the heuristic split must still give a diff that applies.
    const random = createRandom(7);
    const oldLines = Array.from({ length: 6000 }, () => `x${Math.floor(random() * 50)}`);
    const newLines = Array.from({ length: 6000 }, () => `x${Math.floor(random() * 50)}`);
    const oldText = `${oldLines.join('\n')}\n`;
    const newText = `${newLines.join('\n')}\n`;
    const result = unifiedDiff(oldText, newText, labels);
    assert.equal(applyPatch(oldText, result.diff), newText);
    assert.equal(lineCount(oldText) - result.removed, lineCount(newText) - result.added, 'kept lines are the same on both sides');
  });
});
