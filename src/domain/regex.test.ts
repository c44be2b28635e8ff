import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { LinearRegex, RegexError, regexCache } from './regex.ts';

// Patterns whose meaning is the same in RE2 and JavaScript (for "does it match somewhere").
const shared = [
  'a', 'ab|cd', '^a', 'a$', '^$', 'a*', '^a*$', 'a+b', 'a?b', '(ab)+', '(a|b)*c', 'a{2}', 'a{2,}', '^a{1,3}$',
  '[abc]', '[^abc]', '[a-c]+$', '[-a]', '[a-]', '\\d+', '\\D', '\\w+', '\\W', '\\s', '\\S', '.', '^.$', 'a.b',
  '\\bab', 'b\\b', '\\Bb', '^/api/v[0-9]+/(users|items)/\\d{1,5}$', '\\.(png|jpe?g)$', '(?:ab)+?', 'a*?b', '^(a|ab)(c|bcd)(d*)$',
  '\\/', '[.]', '\\x41', '[\\x41-\\x43]', '(a*)*', '(a|)*b', '^(a+)+$', '()', 'x{0}', '[\\d\\s]+', '^[^/]*/[^/]*$',
];
const alphabet = ['a', 'b', 'c', 'd', 'A', 'B', '/', '.', '-', '1', '2', ' ', '\n', 'x', '_'];

function randomText(seed: { n: number }): string {
  let out = '';
  const length = seed.n % 12;
  for (let i = 0; i < length; i++) {
    seed.n = (seed.n * 1103515245 + 12345) % 2 ** 31;
    out += alphabet[seed.n % alphabet.length];
  }
  seed.n = (seed.n * 1103515245 + 12345) % 2 ** 31;
  return out;
}

describe('linear-time regex (RE2 syntax)', () => {
  it('agrees with JavaScript RegExp where the two syntaxes mean the same', () => {
    const seed = { n: 42 };
    for (const pattern of shared) {
      for (const ignoreCase of [false, true]) {
        const ours = new LinearRegex(pattern, ignoreCase);
        const js = new RegExp(pattern, ignoreCase ? 'i' : '');
        for (let i = 0; i < 300; i++) {
          const text = randomText(seed);
          assert.equal(ours.test(text), js.test(text), `/${pattern}/${ignoreCase ? 'i' : ''} on ${JSON.stringify(text)}`);
        }
      }
    }
  });

  it('runs in linear time where a backtracking engine never finishes', () => {
    // A backtracking engine needs about 2^n steps here; n = 20,000.
    const evil = `/${'a'.repeat(20_000)}!`;
    assert.equal(new LinearRegex('^/(a+)+$').test(evil), false);
    assert.equal(new LinearRegex('(a|aa)*b').test('a'.repeat(20_000)), false);
    assert.equal(new LinearRegex('^(a*)*$').test(`${'a'.repeat(20_000)}b`), false);
    assert.equal(new LinearRegex('^/(a+)+$').test(`/${'a'.repeat(20_000)}`), true);
  });

  it('speaks RE2 where it differs from JavaScript', () => {
    const t = (p: string, s: string, i = false) => new LinearRegex(p, i).test(s);
    assert.equal(t('\\Qa.b*\\E$', 'xa.b*'), true);
    assert.equal(t('\\Qa.b*\\E', 'axbb'), false);
    assert.equal(t('(?i)abc', 'xABC'), true);
    assert.equal(t('a(?i:b)c', 'aBc'), true);
    assert.equal(t('a(?i:b)c', 'aBC'), false);
    assert.equal(t('(?i)a|b', 'B'), true, 'flags last to the end of the group, across |');
    assert.equal(t('(?s).', '\n'), true);
    assert.equal(t('(?m)^b$', 'a\nb\nc'), true);
    assert.equal(t('^b$', 'a\nb\nc'), false);
    assert.equal(t('a\\z', 'a\n'), false);
    assert.equal(t('\\Aa', 'ba'), false);
    assert.equal(t('[[:alpha:]]+[[:digit:]]', 'ab1'), true);
    assert.equal(t('[[:^digit:]]', '123'), false);
    assert.equal(t('\\pL', 'é'), true);
    assert.equal(t('\\p{Greek}', 'λ'), true);
    assert.equal(t('\\PL', 'éa'), false);
    assert.equal(t('\\x{1F600}', '😀'), true);
    assert.equal(t('^.$', '😀'), true, 'one code point is one character');
    assert.equal(t('(?P<year>\\d{4})-(?<m>\\d\\d)', '2026-12'), true);
    assert.equal(t('a{,2}', 'a{,2}'), true, 'a brace that is not a repetition is a literal');
    assert.equal(t('\\s', '\v'), false, "RE2's \\s has no \\v");
    assert.equal(t('[^a]', 'A', true), false, 'a negated class folds case before negating');
    assert.equal(t('\\010', '\b'), true, 'octal');
  });

  it('refuses what RE2 refuses, with a reason', () => {
    const refused: [string, RegExp][] = [
      ['(a)\\1', /backreferences/],
      ['(?=a)', /lookaround/],
      ['(?<!a)b', /lookaround/],
      ['(a', /missing closing \)/],
      ['a)', /unexpected \)/],
      ['[a', /missing closing \]/],
      ['*a', /missing argument/],
      ['a**', /nested repetition/],
      ['a{2}{3}', /nested repetition/],
      ['a{1001}', /larger than 1000/],
      ['a{3,2}', /invalid repeat/],
      ['[z-a]', /invalid character class range/],
      ['\\q', /invalid escape/],
      ['\\p{Nope}', /unknown Unicode class/],
      ['[[:nope:]]', /invalid character class/],
      ['a\\', /trailing backslash/],
      ['((a{100}){100}){100}', /too large/],
      ['(?:(?:(?:(?:){1000}){1000}){1000}){1000}', /too large to compile/],
    ];
    for (const [pattern, reason] of refused) {
      assert.throws(() => new LinearRegex(pattern), (e: unknown) => e instanceof RegexError && reason.test(e.message), pattern);
    }
  });

  it('stays right when its state marks wrap around and when its transition cache starts over', () => {
    const saved = [LinearRegex.markLimit, regexCache.maxStates];
    LinearRegex.markLimit = 7;
    regexCache.maxStates = 3;
    try {
      const seed = { n: 7 };
      for (const pattern of shared) {
        const ours = new LinearRegex(pattern);
        const js = new RegExp(pattern);
        for (let i = 0; i < 100; i++) {
          const text = randomText(seed);
          assert.equal(ours.test(text), js.test(text), `/${pattern}/ on ${JSON.stringify(text)}`);
        }
      }
    } finally {
      [LinearRegex.markLimit, regexCache.maxStates] = saved as [number, number];
    }
  });

  it('matches the same with and without its transition cache (word boundaries turn it off)', () => {
    const seed = { n: 99 };
    for (const pattern of ['ab\\b', '\\bb+a', 'a.*\\Bb']) {
      const ours = new LinearRegex(pattern);
      const js = new RegExp(pattern);
      for (let i = 0; i < 300; i++) {
        const text = randomText(seed);
        assert.equal(ours.test(text), js.test(text), `/${pattern}/ on ${JSON.stringify(text)}`);
      }
    }
  });
});
