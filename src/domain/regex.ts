/**
 * Regular expressions in RE2 syntax (what EdgeOne's trigger rules use) matched in linear time.
 * Any client controls the text a rule's regex is tested against, so a backtracking engine would let
 * one request stall the gateway (`^/(a+)+$` against 31 characters took 4.7 s). This compiles a
 * pattern to a Thompson NFA and simulates all its states at once: O(text × pattern), whatever
 * either holds. Only whether the text matches somewhere is asked, so there are no captures.
 *
 * Supported (RE2): literals and escapes (\t \n \r \f \v \a, \xHH, \x{H..}, octal \0NN, \Q..\E,
 * escaped punctuation), `.`, classes `[...]` with ranges, negation, Perl (\d \s \w and negations)
 * and POSIX (`[:alpha:]`) classes, Unicode classes (\pL, \p{Greek}, \PL), `^ $ \A \z \b \B`,
 * groups (capturing, `(?:)`, named `(?P<n>)`/`(?<n>)`), flags `i m s U` (also scoped), `| * + ?
 * {n} {n,} {n,m}` and their lazy forms. Not RE2, refused: backreferences and lookaround.
 */

/** A pattern that cannot be compiled, with why. */
export class RegexError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RegexError';
  }
}

/**
 * Most states a compiled pattern may have (after repetitions are expanded). Matching costs at most
 * states x text length steps, so this bounds one test: 1,000 x a 16 KB URL (Node's header limit).
 */
export const maxRegexStates = 1_000;
/** Most steps compiling may take (empty repetitions make steps without states). */
const maxBuildSteps = 100_000;
const maxRepeat = 1000;

type Pred = (cp: number) => boolean;
type AssertKind = 'bol' | 'eol' | 'bot' | 'eot' | 'word' | 'notword';

type Ast =
  | { t: 'empty' }
  | { t: 'char'; pred: Pred }
  | { t: 'assert'; kind: AssertKind }
  | { t: 'cat'; items: Ast[] }
  | { t: 'alt'; items: Ast[] }
  | { t: 'rep'; sub: Ast; min: number; max: number };

interface Flags {
  i: boolean;
  m: boolean;
  s: boolean;
}

const isWordCp = (cp: number): boolean => (cp >= 48 && cp <= 57) || (cp >= 65 && cp <= 90) || (cp >= 97 && cp <= 122) || cp === 95;
const isDigitCp = (cp: number): boolean => cp >= 48 && cp <= 57;
// RE2's \s is [\t\n\f\r ] (no \v, unlike Perl and JS).
const isSpaceCp = (cp: number): boolean => cp === 32 || cp === 9 || cp === 10 || cp === 12 || cp === 13;

const posixClasses: Record<string, Pred> = {
  alnum: (c) => isDigitCp(c) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122),
  alpha: (c) => (c >= 65 && c <= 90) || (c >= 97 && c <= 122),
  ascii: (c) => c <= 0x7f,
  blank: (c) => c === 32 || c === 9,
  cntrl: (c) => c < 32 || c === 127,
  digit: isDigitCp,
  graph: (c) => c > 32 && c < 127,
  lower: (c) => c >= 97 && c <= 122,
  print: (c) => c >= 32 && c < 127,
  punct: (c) => (c > 32 && c < 48) || (c > 57 && c < 65) || (c > 90 && c < 97) || (c > 122 && c < 127),
  space: isSpaceCp,
  upper: (c) => c >= 65 && c <= 90,
  word: isWordCp,
  xdigit: (c) => isDigitCp(c) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102),
};

const not =
  (p: Pred): Pred =>
  (c) =>
    !p(c);

/** Each variant of a code point under simple case folding (itself included). */
function caseVariants(cp: number): number[] {
  const ch = String.fromCodePoint(cp);
  const out = [cp];
  for (const v of [ch.toLowerCase(), ch.toUpperCase()]) {
    const vcp = v.codePointAt(0)!;
    if (v.length === String.fromCodePoint(vcp).length && !out.includes(vcp)) out.push(vcp);
  }
  return out;
}

function foldCase(pred: Pred): Pred {
  return (cp) => pred(cp) || caseVariants(cp).some(pred);
}

/** A predicate with its answers for ASCII worked out once (most URL characters are ASCII). */
function tabulate(pred: Pred): Pred {
  const ascii = new Uint8Array(128);
  for (let cp = 0; cp < 128; cp++) ascii[cp] = pred(cp) ? 1 : 0;
  return (cp) => (cp < 128 ? ascii[cp] === 1 : pred(cp));
}

/** A Unicode class (\pL, \p{Greek}) via a one-character JS regex: one character, so no backtracking. */
function unicodeClass(name: string): Pred {
  // RE2 names general categories (L, Lu) and scripts (Greek) alike; JavaScript wants Script= for these.
  for (const spelled of [name, `Script=${name}`]) {
    try {
      const re = new RegExp(`^\\p{${spelled}}$`, 'u');
      return (cp) => re.test(String.fromCodePoint(cp));
    } catch {
      // try the next spelling
    }
  }
  throw new RegexError(`unknown Unicode class \\p{${name}}`);
}

class Parser {
  readonly #src: string;
  #pos = 0;
  #flags: Flags;

  constructor(src: string, ignoreCase: boolean) {
    this.#src = src;
    this.#flags = { i: ignoreCase, m: false, s: false };
  }

  parse(): Ast {
    const ast = this.#alternation();
    if (this.#pos < this.#src.length) throw new RegexError(`unexpected ) at ${this.#pos}`);
    return ast;
  }

  #peek(): string | undefined {
    return this.#src[this.#pos];
  }

  #eat(ch: string): boolean {
    if (this.#src[this.#pos] !== ch) return false;
    this.#pos++;
    return true;
  }

  #alternation(): Ast {
    // Flags set by (?i) and friends last until the end of the enclosing group, across `|`.
    const saved = this.#flags;
    this.#flags = { ...saved };
    const items = [this.#concatenation()];
    while (this.#eat('|')) items.push(this.#concatenation());
    this.#flags = saved;
    return items.length === 1 ? items[0]! : { t: 'alt', items };
  }

  #concatenation(): Ast {
    const items: Ast[] = [];
    while (this.#pos < this.#src.length && this.#peek() !== '|' && this.#peek() !== ')') {
      const atom = this.#atom();
      if (atom) items.push(this.#repetition(atom));
    }
    return items.length === 0 ? { t: 'empty' } : items.length === 1 ? items[0]! : { t: 'cat', items };
  }

  /** Reads a repetition operator at the current position: [min, max, length], or null. */
  #repeatOperator(): [number, number, number] | null {
    const ch = this.#peek();
    if (ch === '*') return [0, Infinity, 1];
    if (ch === '+') return [1, Infinity, 1];
    if (ch === '?') return [0, 1, 1];
    if (ch !== '{') return null;
    const m = /^\{(\d+)(,(\d*))?\}/.exec(this.#src.slice(this.#pos));
    if (!m) return null; // RE2: a brace that is not a repetition is a literal
    const min = Number(m[1]);
    const max = m[2] === undefined ? min : m[3] === '' ? Infinity : Number(m[3]);
    if (min > maxRepeat || (max !== Infinity && max > maxRepeat)) throw new RegexError(`repeat count is larger than ${maxRepeat}`);
    if (max < min) throw new RegexError(`invalid repeat count ${m[0]}`);
    return [min, max, m[0].length];
  }

  #repetition(atom: Ast): Ast {
    const op = this.#repeatOperator();
    if (!op) return atom;
    this.#pos += op[2];
    this.#eat('?'); // lazy: the same set of matching texts
    if (this.#repeatOperator()) throw new RegexError(`invalid nested repetition operator at ${this.#pos}`);
    return { t: 'rep', sub: atom, min: op[0], max: op[1] };
  }

  #char(pred: Pred): Ast {
    return { t: 'char', pred: tabulate(this.#flags.i ? foldCase(pred) : pred) };
  }

  #literal(cp: number): Ast {
    return this.#char((c) => c === cp);
  }

  #atom(): Ast | null {
    const ch = this.#src[this.#pos++]!;
    switch (ch) {
      case '(':
        return this.#group();
      case '[':
        return this.#char(this.#class());
      case '.': {
        const dotAll = this.#flags.s;
        return { t: 'char', pred: dotAll ? () => true : (c: number) => c !== 10 };
      }
      case '^':
        return { t: 'assert', kind: this.#flags.m ? 'bol' : 'bot' };
      case '$':
        return { t: 'assert', kind: this.#flags.m ? 'eol' : 'eot' };
      case '\\':
        return this.#escape();
      case '*':
      case '+':
      case '?':
        throw new RegexError(`missing argument to repetition operator ${ch} at ${this.#pos - 1}`);
      default: {
        const cp = this.#src.codePointAt(this.#pos - 1)!;
        if (cp > 0xffff) this.#pos++;
        return this.#literal(cp);
      }
    }
  }

  #group(): Ast | null {
    if (this.#eat('?')) {
      const rest = this.#src.slice(this.#pos);
      if (/^(=|!|<=|<!)/.test(rest)) throw new RegexError('lookaround is not RE2 syntax');
      const named = /^(:|P?<[A-Za-z_][A-Za-z0-9_]*>)/.exec(rest);
      if (named) {
        this.#pos += named[0].length;
        return this.#groupBody();
      }
      const flags = /^(-?[imsU]+|[imsU]*-[imsU]*)(:|\))/.exec(rest);
      if (!flags) throw new RegexError(`invalid or unsupported group (?${rest.slice(0, 3)}`);
      this.#pos += flags[0].length;
      const next = { ...this.#flags };
      let on = true;
      for (const f of flags[1]!) {
        if (f === '-') on = false;
        else if (f === 'i' || f === 'm' || f === 's') next[f] = on;
      }
      if (flags[2] === ')') {
        this.#flags = next; // applies to the rest of the enclosing group
        return null;
      }
      const saved = this.#flags;
      this.#flags = next;
      const body = this.#groupBody();
      this.#flags = saved;
      return body;
    }
    return this.#groupBody();
  }

  #groupBody(): Ast {
    const body = this.#alternation();
    if (!this.#eat(')')) throw new RegexError('missing closing )');
    return body;
  }

  #escape(): Ast {
    const ch = this.#src[this.#pos++];
    if (ch === undefined) throw new RegexError('trailing backslash at end of expression');
    switch (ch) {
      case 'A':
        return { t: 'assert', kind: 'bot' };
      case 'z':
        return { t: 'assert', kind: 'eot' };
      case 'b':
        return { t: 'assert', kind: 'word' };
      case 'B':
        return { t: 'assert', kind: 'notword' };
      case 'Q': {
        const end = this.#src.indexOf('\\E', this.#pos);
        const text = this.#src.slice(this.#pos, end === -1 ? undefined : end);
        this.#pos = end === -1 ? this.#src.length : end + 2;
        const items = [...text].map((c) => this.#literal(c.codePointAt(0)!));
        return items.length === 1 ? items[0]! : { t: 'cat', items };
      }
      default: {
        const pred = this.#classEscape(ch);
        if (pred) return this.#char(pred);
        return this.#literal(this.#escapedChar(ch));
      }
    }
  }

  /** \d \D \s \S \w \W \pX \p{..} \PX \P{..}, or null. */
  #classEscape(ch: string): Pred | null {
    if (ch === 'd') return isDigitCp;
    if (ch === 'D') return not(isDigitCp);
    if (ch === 's') return isSpaceCp;
    if (ch === 'S') return not(isSpaceCp);
    if (ch === 'w') return isWordCp;
    if (ch === 'W') return not(isWordCp);
    if (ch === 'p' || ch === 'P') {
      let name: string;
      if (this.#eat('{')) {
        const end = this.#src.indexOf('}', this.#pos);
        if (end === -1) throw new RegexError('missing } in Unicode class');
        name = this.#src.slice(this.#pos, end);
        this.#pos = end + 1;
      } else {
        name = this.#src[this.#pos++] ?? '';
      }
      const negate = ch === 'P' !== name.startsWith('^');
      const pred = unicodeClass(name.replace(/^\^/, ''));
      return negate ? not(pred) : pred;
    }
    return null;
  }

  /** The code point an escape stands for (after \). */
  #escapedChar(ch: string): number {
    const simple: Record<string, number> = { a: 7, f: 12, t: 9, n: 10, r: 13, v: 11 };
    if (simple[ch] !== undefined) return simple[ch]!;
    if (ch === 'x') {
      const braced = /^\{([0-9A-Fa-f]{1,6})\}/.exec(this.#src.slice(this.#pos));
      const short = /^[0-9A-Fa-f]{2}/.exec(this.#src.slice(this.#pos));
      const hex = braced ? braced[1]! : short?.[0];
      if (hex === undefined) throw new RegexError('invalid escape sequence \\x');
      this.#pos += braced ? braced[0].length : 2;
      const cp = parseInt(hex, 16);
      if (cp > 0x10ffff) throw new RegexError('invalid escape sequence: code point out of range');
      return cp;
    }
    if (ch === '0') {
      const octal = /^[0-7]{0,2}/.exec(this.#src.slice(this.#pos))![0];
      this.#pos += octal.length;
      return parseInt(`0${octal}`, 8);
    }
    if (ch >= '1' && ch <= '9') throw new RegexError(`backreferences (\\${ch}) are not RE2 syntax`);
    if (/[A-Za-z0-9]/.test(ch)) throw new RegexError(`invalid escape sequence \\${ch}`);
    return ch.codePointAt(0)!;
  }

  /** A bracket class, after '['. */
  #class(): Pred {
    const negate = this.#eat('^');
    const parts: Pred[] = [];
    let first = true;
    for (;;) {
      if (this.#pos >= this.#src.length) throw new RegexError('missing closing ]');
      if (this.#peek() === ']' && !first) {
        this.#pos++;
        break;
      }
      first = false;
      const posix = /^\[:(\^?)([a-z]+):\]/.exec(this.#src.slice(this.#pos));
      if (posix) {
        const p = posixClasses[posix[2]!];
        if (!p) throw new RegexError(`invalid character class range [:${posix[2]}:]`);
        parts.push(posix[1] ? not(p) : p);
        this.#pos += posix[0].length;
        continue;
      }
      let lo: number;
      if (this.#eat('\\')) {
        const ch = this.#src[this.#pos++];
        if (ch === undefined) throw new RegexError('trailing backslash at end of expression');
        const pred = this.#classEscape(ch);
        if (pred) {
          parts.push(pred);
          continue;
        }
        lo = this.#escapedChar(ch);
      } else {
        lo = this.#src.codePointAt(this.#pos)!;
        this.#pos += lo > 0xffff ? 2 : 1;
      }
      let hi = lo;
      if (this.#peek() === '-' && this.#src[this.#pos + 1] !== ']' && this.#pos + 1 < this.#src.length) {
        this.#pos++;
        if (this.#eat('\\')) {
          const ch = this.#src[this.#pos++];
          if (ch === undefined) throw new RegexError('trailing backslash at end of expression');
          hi = this.#escapedChar(ch);
        } else {
          hi = this.#src.codePointAt(this.#pos)!;
          this.#pos += hi > 0xffff ? 2 : 1;
        }
        if (hi < lo) throw new RegexError(`invalid character class range ${String.fromCodePoint(lo)}-${String.fromCodePoint(hi)}`);
      }
      const [a, b] = [lo, hi];
      parts.push((c) => c >= a && c <= b);
    }
    const any: Pred = (c) => parts.some((p) => p(c));
    // A negated class folds before negating: with (?i), [^a] excludes A as well. (#char folds the
    // result again, which changes nothing for a set that is closed under case.)
    return negate ? not(this.#flags.i ? foldCase(any) : any) : any;
  }
}

// The NFA: states in flat arrays; -1 is "no state yet" while fragments are patched together.
const CHAR = 0;
const SPLIT = 1;
const ASSERT = 2;
const MATCH = 3;

interface Nfa {
  op: number[];
  out: number[];
  out1: number[];
  pred: (Pred | undefined)[];
  kind: (AssertKind | undefined)[];
  start: number;
}

class Builder {
  readonly nfa: Nfa = { op: [], out: [], out1: [], pred: [], kind: [], start: -1 };
  #steps = 0;

  #state(op: number, pred?: Pred, kind?: AssertKind): number {
    const n = this.nfa.op.length;
    if (n >= maxRegexStates) throw new RegexError(`regex is too large (more than ${maxRegexStates} states)`);
    this.nfa.op.push(op);
    this.nfa.out.push(-1);
    this.nfa.out1.push(-1);
    this.nfa.pred.push(pred);
    this.nfa.kind.push(kind);
    return n;
  }

  /** Compiles `ast` so that it continues to `next`; returns its first state. Built back to front. */
  build(ast: Ast, next: number): number {
    if (++this.#steps > maxBuildSteps) throw new RegexError('regex is too large to compile');
    switch (ast.t) {
      case 'empty':
        return next;
      case 'char': {
        const s = this.#state(CHAR, ast.pred);
        this.nfa.out[s] = next;
        return s;
      }
      case 'assert': {
        const s = this.#state(ASSERT, undefined, ast.kind);
        this.nfa.out[s] = next;
        return s;
      }
      case 'cat': {
        let at = next;
        for (let i = ast.items.length - 1; i >= 0; i--) at = this.build(ast.items[i]!, at);
        return at;
      }
      case 'alt': {
        let at = this.build(ast.items[ast.items.length - 1]!, next);
        for (let i = ast.items.length - 2; i >= 0; i--) {
          const s = this.#state(SPLIT);
          this.nfa.out[s] = this.build(ast.items[i]!, next);
          this.nfa.out1[s] = at;
          at = s;
        }
        return at;
      }
      case 'rep': {
        let at = next;
        if (ast.max === Infinity) {
          // x*: a split that either enters x (which loops back to the split) or goes on.
          const loop = this.#state(SPLIT);
          this.nfa.out1[loop] = next;
          this.nfa.out[loop] = this.build(ast.sub, loop);
          at = loop;
        } else {
          for (let i = ast.min; i < ast.max; i++) {
            const s = this.#state(SPLIT);
            this.nfa.out[s] = this.build(ast.sub, at);
            this.nfa.out1[s] = next;
            at = s;
          }
        }
        for (let i = 0; i < ast.min; i++) at = this.build(ast.sub, at);
        return at;
      }
    }
  }
}

/** Cached transitions kept per pattern at most (then the cache starts over; tests lower it). */
export const regexCache = { maxStates: 256 };
const UNKNOWN = -1;
const MATCHED = -2;
const DEAD = -3;

/**
 * A compiled pattern. `test` is safe on any input: time linear in its length.
 *
 * The simulation follows the set of NFA states that are alive before each character. Most patterns
 * have no assertion that looks at the characters around (\b, \B, multi-line ^ and $); for those,
 * the set after a character depends only on the set before it and the character, so transitions
 * are cached (a lazily built DFA, as RE2 does): a cached step is one table lookup.
 */
export class LinearRegex {
  readonly source: string;
  readonly #nfa: Nfa;
  readonly #mark: Int32Array;
  /** The pattern can only match from the start of the text (it begins with ^ or \A). */
  readonly #anchored: boolean;
  readonly #cacheable: boolean;
  readonly #stack: number[] = [];
  #gen = 0;
  /** Counts cache restarts: ids from before a restart mean nothing after it. */
  #epoch = 0;
  #ids = new Map<string, number>();
  #sets: number[][] = [];
  #ascii: Int32Array[] = [];
  #other: Map<number, number>[] = [];
  /** Marks are reset before the generation counter leaves Int32 range (tests lower it). */
  static markLimit = 0x7fffffff;

  constructor(source: string, ignoreCase = false) {
    this.source = source;
    const ast = new Parser(source, ignoreCase).parse();
    const builder = new Builder();
    const match = builder.nfa.op.length;
    builder.nfa.op.push(MATCH);
    builder.nfa.out.push(-1);
    builder.nfa.out1.push(-1);
    builder.nfa.pred.push(undefined);
    builder.nfa.kind.push(undefined);
    builder.nfa.start = builder.build(ast, match);
    this.#nfa = builder.nfa;
    this.#mark = new Int32Array(this.#nfa.op.length);
    const first = ast.t === 'cat' ? ast.items[0] : ast;
    this.#anchored = first?.t === 'assert' && first.kind === 'bot';
    this.#cacheable = !this.#nfa.kind.some((k) => k === 'word' || k === 'notword' || k === 'bol' || k === 'eol');
  }

  /** Whether the pattern matches anywhere in `text`. */
  test(text: string): boolean {
    const cp = text.length > 0 ? text.codePointAt(0)! : -1;
    const first: number[] = [];
    this.#nextGeneration();
    if (this.#add(first, this.#nfa.start, -1, cp)) return true;
    if (cp === -1 || (first.length === 0 && this.#anchored)) return false;
    return this.#cacheable ? this.#testCached(text, first, cp) : this.#testSimulated(text, first, cp);
  }

  /** From the states alive before `cp` (at 0), one step per character, transitions cached. */
  #testCached(text: string, alive: number[], cp: number): boolean {
    const startEpoch = this.#epoch;
    let state = this.#intern(alive);
    let i = 0;
    for (;;) {
      const after = i + (cp > 0xffff ? 2 : 1);
      if (after >= text.length) return this.#stepInto(this.#sets[state]!, cp, -1, []);
      // A text that keeps making new states gains nothing from the cache: simulate the rest.
      if (this.#epoch - startEpoch > 2) return this.#testSimulated(text, this.#sets[state]!, cp, i);
      let nextState = cp < 128 ? this.#ascii[state]![cp]! : (this.#other[state]!.get(cp) ?? UNKNOWN);
      if (nextState === UNKNOWN) nextState = this.#transition(state, cp);
      if (nextState === MATCHED) return true;
      if (nextState === DEAD) return false;
      state = nextState;
      cp = text.codePointAt(after)!;
      i = after;
    }
  }

  /** The state after reading `cp` in `state`, at a position that is neither first nor last. */
  #transition(state: number, cp: number): number {
    const next: number[] = [];
    const epoch = this.#epoch;
    // Any character but -1 stands for "there is a next one": no cached pattern looks at which.
    const result = this.#stepInto(this.#sets[state]!, cp, 0, next) ? MATCHED : next.length === 0 && this.#anchored ? DEAD : this.#intern(next);
    if (epoch !== this.#epoch) return result; // the cache started over while interning
    if (cp < 128) this.#ascii[state]![cp] = result;
    else this.#other[state]!.set(cp, result);
    return result;
  }

  /** Reads `cp` from the states `alive`; fills `next` with the states alive before `following`. */
  #stepInto(alive: number[], cp: number, following: number, next: number[]): boolean {
    const nfa = this.#nfa;
    this.#nextGeneration();
    for (let k = 0; k < alive.length; k++) {
      const s = alive[k]!;
      if (nfa.pred[s]!(cp) && this.#add(next, nfa.out[s]!, cp, following)) return true;
    }
    // Unanchored: a match may start at every position.
    return !this.#anchored && this.#add(next, nfa.start, cp, following);
  }

  #intern(states: number[]): number {
    const sorted = states.slice().sort((a, b) => a - b);
    const key = sorted.join(',');
    const known = this.#ids.get(key);
    if (known !== undefined) return known;
    if (this.#sets.length >= regexCache.maxStates) {
      this.#epoch++;
      this.#ids = new Map();
      this.#sets = [];
      this.#ascii = [];
      this.#other = [];
    }
    const id = this.#sets.length;
    this.#ids.set(key, id);
    this.#sets.push(sorted);
    this.#ascii.push(new Int32Array(128).fill(UNKNOWN));
    this.#other.push(new Map());
    return id;
  }

  /** The plain simulation, for patterns whose assertions look at the characters around. */
  #testSimulated(text: string, alive: number[], cp: number, from = 0): boolean {
    let current = alive;
    let i = from;
    for (;;) {
      const after = i + (cp > 0xffff ? 2 : 1);
      const following = after < text.length ? text.codePointAt(after)! : -1;
      const next: number[] = [];
      if (this.#stepInto(current, cp, following, next)) return true;
      if (following === -1 || (next.length === 0 && this.#anchored)) return false;
      current = next;
      cp = following;
      i = after;
    }
  }

  #nextGeneration(): void {
    if (++this.#gen >= LinearRegex.markLimit) {
      this.#mark.fill(0);
      this.#gen = 1;
    }
  }

  /** Adds `s` and every state reachable without reading a character; true if that reaches the match. */
  #add(list: number[], s: number, prev: number, cp: number): boolean {
    const nfa = this.#nfa;
    const stack = this.#stack;
    stack.length = 0;
    stack.push(s);
    while (stack.length > 0) {
      const t = stack.pop()!;
      if (this.#mark[t] === this.#gen) continue;
      this.#mark[t] = this.#gen;
      switch (nfa.op[t]) {
        case MATCH:
          return true;
        case SPLIT:
          stack.push(nfa.out1[t]!, nfa.out[t]!);
          break;
        case ASSERT:
          if (holds(nfa.kind[t]!, prev, cp)) stack.push(nfa.out[t]!);
          break;
        default:
          list.push(t);
      }
    }
    return false;
  }
}

function holds(kind: AssertKind, prev: number, cp: number): boolean {
  switch (kind) {
    case 'bot':
      return prev === -1;
    case 'eot':
      return cp === -1;
    case 'bol':
      return prev === -1 || prev === 10;
    case 'eol':
      return cp === -1 || cp === 10;
    case 'word':
      return isWordCp(prev) !== isWordCp(cp);
    case 'notword':
      return isWordCp(prev) === isWordCp(cp);
  }
}
