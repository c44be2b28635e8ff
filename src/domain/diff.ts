/**
 * Line-based unified diff, for comparing replica and production code before a sync.
 *
 * The edit script comes from Myers' O((N+M)·D) algorithm in its linear-space, divide-and-conquer
 * form (find the middle snake, recurse on both halves), following GNU diffutils' `diffseq.h`. For
 * inputs that differ a lot, the search is cut off after `tooExpensive` steps and splits at the
 * furthest point reached, as GNU diff does: the diff stays correct but may be a little longer than
 * the minimal one. Below that cost (about a thousand changed lines) the diff is minimal.
 */

/** Options of {@link unifiedDiff}. */
export interface UnifiedDiffOptions {
  /** Label on the `---` line. */
  oldLabel: string;
  /** Label on the `+++` line. */
  newLabel: string;
  /** Unchanged lines shown around each change; default 3. */
  context?: number;
}

/** A unified diff and its line counts. */
export interface UnifiedDiff {
  /** The diff text; '' when the inputs are equal. */
  diff: string;
  /** Lines only in the new text. */
  added: number;
  /** Lines only in the old text. */
  removed: number;
}

interface Lines {
  /** Line texts without their '\n'. */
  texts: string[];
  /** Whether the last line has no '\n' after it. */
  noEol: boolean;
}

function splitLines(text: string): Lines {
  if (text === '') return { texts: [], noEol: false };
  const texts = text.split('\n');
  const noEol = texts[texts.length - 1] !== '';
  if (!noEol) texts.pop();
  return { texts, noEol };
}

/**
 * Gives each distinct line a number, so the algorithm compares numbers. A last line without '\n'
 * gets its own number: `x` at the end of a file and `x\n` are different lines, as in GNU diff.
 */
function internLines(a: Lines, b: Lines): { xv: Int32Array; yv: Int32Array; distinct: number } {
  const ids = new Map<string, number>();
  const noEolIds = new Map<string, number>();
  const encode = (lines: Lines): Int32Array => {
    const out = new Int32Array(lines.texts.length);
    const lastIndex = lines.texts.length - 1;
    for (let i = 0; i < lines.texts.length; i++) {
      const text = lines.texts[i] ?? '';
      const table = lines.noEol && i === lastIndex ? noEolIds : ids;
      let id = table.get(text);
      if (id === undefined) {
        id = ids.size + noEolIds.size;
        table.set(text, id);
      }
      out[i] = id;
    }
    return out;
  };
  const xv = encode(a);
  const yv = encode(b);
  return { xv, yv, distinct: ids.size + noEolIds.size };
}

/**
 * Like {@link compareSequences}, but first sets aside lines that occur only on one side: they can
 * never be part of a common subsequence, so the result stays minimal, and inputs that share little
 * (a rewritten file) no longer cost the full O((N+M)·D) search.
 */
function compareLines(xv: Int32Array, yv: Int32Array, distinct: number): { deleted: Uint8Array; inserted: Uint8Array } {
  const inX = new Uint8Array(distinct);
  const inY = new Uint8Array(distinct);
  for (const id of xv) inX[id] = 1;
  for (const id of yv) inY[id] = 1;
  const keptX = xv.filter((id) => inY[id] === 1);
  const keptY = yv.filter((id) => inX[id] === 1);
  if (keptX.length === xv.length && keptY.length === yv.length) return compareSequences(xv, yv);
  const reduced = compareSequences(keptX, keptY);
  const widen = (full: Int32Array, inOther: Uint8Array, marks: Uint8Array): Uint8Array => {
    const out = new Uint8Array(full.length);
    let k = 0;
    for (let i = 0; i < full.length; i++) {
      out[i] = inOther[full[i] ?? 0] === 1 ? (marks[k++] ?? 0) : 1;
    }
    return out;
  };
  return { deleted: widen(xv, inY, reduced.deleted), inserted: widen(yv, inX, reduced.inserted) };
}

const maxInt = 0x7fffffff;

/**
 * Marks which lines of `xv` are deleted and which lines of `yv` are inserted in a short edit script
 * turning `xv` into `yv`.
 */
function compareSequences(xv: Int32Array, yv: Int32Array): { deleted: Uint8Array; inserted: Uint8Array } {
  const n = xv.length;
  const m = yv.length;
  const deleted = new Uint8Array(n);
  const inserted = new Uint8Array(m);
  // Diagonal k = x - y runs from -m to n; one extra slot each side for the k±1 reads.
  const offset = m + 1;
  const fd = new Int32Array(n + m + 3);
  const bd = new Int32Array(n + m + 3);
  let tooExpensive = 1;
  for (let diags = n + m + 3; diags !== 0; diags >>>= 2) tooExpensive <<= 1;
  tooExpensive = Math.max(1024, tooExpensive);

  // Finds a point (xmid, ymid) on a shortest (or, past tooExpensive, a good) edit path through the
  // box [xoff, xlim) × [yoff, ylim); both ends of the box are known to differ.
  const findSplit = (xoff: number, xlim: number, yoff: number, ylim: number): [number, number] => {
    const dmin = xoff - ylim;
    const dmax = xlim - yoff;
    const fmid = xoff - yoff;
    const bmid = xlim - ylim;
    let fmin = fmid;
    let fmax = fmid;
    let bmin = bmid;
    let bmax = bmid;
    const odd = ((fmid - bmid) & 1) !== 0;
    fd[offset + fmid] = xoff;
    bd[offset + bmid] = xlim;
    for (let c = 1; ; c++) {
      // One more step forward on every diagonal in reach.
      if (fmin > dmin) fd[offset + --fmin - 1] = -1;
      else ++fmin;
      if (fmax < dmax) fd[offset + ++fmax + 1] = -1;
      else --fmax;
      for (let d = fmax; d >= fmin; d -= 2) {
        const tlo = fd[offset + d - 1] ?? -1;
        const thi = fd[offset + d + 1] ?? -1;
        let x = tlo >= thi ? tlo + 1 : thi;
        let y = x - d;
        while (x < xlim && y < ylim && xv[x] === yv[y]) {
          x++;
          y++;
        }
        fd[offset + d] = x;
        if (odd && bmin <= d && d <= bmax && (bd[offset + d] ?? maxInt) <= x) return [x, y];
      }
      // One more step backward.
      if (bmin > dmin) bd[offset + --bmin - 1] = maxInt;
      else ++bmin;
      if (bmax < dmax) bd[offset + ++bmax + 1] = maxInt;
      else --bmax;
      for (let d = bmax; d >= bmin; d -= 2) {
        const tlo = bd[offset + d - 1] ?? maxInt;
        const thi = bd[offset + d + 1] ?? maxInt;
        let x = tlo < thi ? tlo : thi - 1;
        let y = x - d;
        while (x > xoff && y > yoff && xv[x - 1] === yv[y - 1]) {
          x--;
          y--;
        }
        bd[offset + d] = x;
        if (!odd && fmin <= d && d <= fmax && x <= (fd[offset + d] ?? -1)) return [x, y];
      }
      if (c < tooExpensive) continue;
      // Too costly to find the real middle: split where the forward or backward search got
      // furthest (GNU diff's heuristic).
      let fxyBest = -1;
      let fxBest = xoff;
      for (let d = fmax; d >= fmin; d -= 2) {
        let x = Math.min(fd[offset + d] ?? xoff, xlim);
        let y = x - d;
        if (ylim < y) {
          x = ylim + d;
          y = ylim;
        }
        if (fxyBest < x + y) {
          fxyBest = x + y;
          fxBest = x;
        }
      }
      let bxyBest = maxInt;
      let bxBest = xlim;
      for (let d = bmax; d >= bmin; d -= 2) {
        let x = Math.max(xoff, bd[offset + d] ?? xlim);
        let y = x - d;
        if (y < yoff) {
          x = yoff + d;
          y = yoff;
        }
        if (x + y < bxyBest) {
          bxyBest = x + y;
          bxBest = x;
        }
      }
      return xlim + ylim - bxyBest < fxyBest - (xoff + yoff) ? [fxBest, fxyBest - fxBest] : [bxBest, bxyBest - bxBest];
    }
  };

  // An explicit stack instead of recursion: deep splits cannot overflow the call stack.
  const stack: number[] = [0, n, 0, m];
  while (stack.length > 0) {
    let ylim = stack.pop() ?? 0;
    let yoff = stack.pop() ?? 0;
    let xlim = stack.pop() ?? 0;
    let xoff = stack.pop() ?? 0;
    while (xoff < xlim && yoff < ylim && xv[xoff] === yv[yoff]) {
      xoff++;
      yoff++;
    }
    while (xoff < xlim && yoff < ylim && xv[xlim - 1] === yv[ylim - 1]) {
      xlim--;
      ylim--;
    }
    if (xoff === xlim) {
      inserted.fill(1, yoff, ylim);
    } else if (yoff === ylim) {
      deleted.fill(1, xoff, xlim);
    } else {
      const [xmid, ymid] = findSplit(xoff, xlim, yoff, ylim);
      if ((xmid === xoff && ymid === yoff) || (xmid === xlim && ymid === ylim)) {
        // Cannot happen with a correct split; guard against looping forever anyway.
        deleted.fill(1, xoff, xlim);
        inserted.fill(1, yoff, ylim);
      } else {
        stack.push(xoff, xmid, yoff, ymid, xmid, xlim, ymid, ylim);
      }
    }
  }
  return { deleted, inserted };
}

interface Change {
  /** First old line (0-based) of the change. */
  a: number;
  /** Old lines removed. */
  del: number;
  /** First new line (0-based). */
  b: number;
  /** New lines added. */
  ins: number;
}

function collectChanges(deleted: Uint8Array, inserted: Uint8Array): Change[] {
  const changes: Change[] = [];
  const n = deleted.length;
  const m = inserted.length;
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if ((i < n && deleted[i] === 1) || (j < m && inserted[j] === 1)) {
      const a = i;
      const b = j;
      while (i < n && deleted[i] === 1) i++;
      while (j < m && inserted[j] === 1) j++;
      changes.push({ a, del: i - a, b, ins: j - b });
    } else {
      i++;
      j++;
    }
  }
  return changes;
}

function formatRange(start: number, length: number): string {
  // An empty range names the line before it (GNU diff); a one-line range omits ",1".
  if (length === 0) return `${start},0`;
  if (length === 1) return `${start + 1}`;
  return `${start + 1},${length}`;
}

const noEolMarker = '\\ No newline at end of file';

/**
 * A unified diff of two texts, line by line (`--- old`, `+++ new`, `@@ -l,s +l,s @@` hunks with
 * `context` unchanged lines around changes, and `\ No newline at end of file` where it applies).
 * Equal texts give an empty diff.
 */
export function unifiedDiff(oldText: string, newText: string, options: UnifiedDiffOptions): UnifiedDiff {
  if (oldText === newText) return { diff: '', added: 0, removed: 0 };
  const context = Math.max(0, Math.floor(options.context ?? 3));
  const a = splitLines(oldText);
  const b = splitLines(newText);
  const { xv, yv, distinct } = internLines(a, b);
  const { deleted, inserted } = compareLines(xv, yv, distinct);
  const changes = collectChanges(deleted, inserted);

  const out: string[] = [`--- ${options.oldLabel}`, `+++ ${options.newLabel}`];
  let added = 0;
  let removed = 0;
  const pushLine = (prefix: string, lines: Lines, index: number): void => {
    out.push(prefix + (lines.texts[index] ?? ''));
    if (lines.noEol && index === lines.texts.length - 1) out.push(noEolMarker);
  };

  let h = 0;
  while (h < changes.length) {
    // Take changes into one hunk while the unchanged gap between them fits both contexts.
    let last = h;
    while (last + 1 < changes.length) {
      const end = (changes[last]?.a ?? 0) + (changes[last]?.del ?? 0);
      if ((changes[last + 1]?.a ?? 0) - end > 2 * context) break;
      last++;
    }
    const first = changes[h];
    const final = changes[last];
    if (first === undefined || final === undefined) break;
    const aStart = Math.max(0, first.a - context);
    const bStart = first.b - (first.a - aStart);
    const aEnd = Math.min(xv.length, final.a + final.del + context);
    const bEnd = Math.min(yv.length, final.b + final.ins + (aEnd - (final.a + final.del)));
    out.push(`@@ -${formatRange(aStart, aEnd - aStart)} +${formatRange(bStart, bEnd - bStart)} @@`);
    let i = aStart;
    for (let k = h; k <= last; k++) {
      const change = changes[k];
      if (change === undefined) break;
      for (; i < change.a; i++) pushLine(' ', a, i);
      for (let d = 0; d < change.del; d++) pushLine('-', a, change.a + d);
      for (let s = 0; s < change.ins; s++) pushLine('+', b, change.b + s);
      removed += change.del;
      added += change.ins;
      i = change.a + change.del;
    }
    for (; i < aEnd; i++) pushLine(' ', a, i);
    h = last + 1;
  }
  return { diff: `${out.join('\n')}\n`, added, removed };
}
