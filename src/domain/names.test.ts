import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { EdgefnError, type ErrorCode } from './errors.ts';
import {
  isFunctionName,
  isReplicaName,
  maxEnvVarsPerFunction,
  maxFunctionsPerZone,
  maxReplicasPerFunction,
  maxRulesPerZone,
  parseEnvValue,
  utf8Length,
  validateCodeSize,
  validateEnvName,
  validateEnvValue,
  validateFunctionName,
  validateFunctionRemark,
  validateOrigin,
  validateReplicaName,
  validateReplicaRemark,
  validateRuleRemark,
  validateZoneName,
} from './names.ts';

function assertFails(fn: () => unknown, code: ErrorCode, message?: RegExp): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof EdgefnError, `expected an EdgefnError, got ${String(error)}`);
    assert.equal(error.code, code);
    if (message !== undefined) assert.match(error.message, message);
    return true;
  });
}

describe('validateFunctionName', () => {
  const valid = ['ab', 'a1', 'test-2xkazsasyf6k-1206341531', 'hello-world', 'a-b', 'a'.repeat(30), 'x0-9'];
  const invalid: [string, RegExp][] = [
    ['a', /2 to 30/],
    ['', /2 to 30/],
    ['a'.repeat(31), /2 to 30/],
    ['Ab', /lowercase letters, digits/],
    ['a_b', /lowercase letters, digits/],
    ['a.b', /lowercase letters, digits/],
    ['a b', /lowercase letters, digits/],
    ['1abc', /start with a lowercase letter/],
    ['-abc', /start with a lowercase letter/],
    ['abc-', /end with a lowercase letter or a digit/],
  ];
  for (const name of valid) {
    it(`accepts ${JSON.stringify(name)}`, () => {
      validateFunctionName(name);
      assert.equal(isFunctionName(name), true);
    });
  }
  for (const [name, rule] of invalid) {
    it(`refuses ${JSON.stringify(name)}`, () => {
      assertFails(() => validateFunctionName(name), 'InvalidParameter.BadFunctionName', rule);
      assert.equal(isFunctionName(name), false);
    });
  }
});

describe('validateReplicaName', () => {
  const valid = ['a', '1', 'test-replica', 'a-b-c', 'v2', 'a'.repeat(50), '0-0'];
  const invalid: [string, RegExp][] = [
    ['', /1 to 50/],
    ['a'.repeat(51), /1 to 50/],
    ['-a', /start or end/],
    ['a-', /start or end/],
    ['-', /start or end/],
    ['a--b', /consecutive/],
    ['A', /lowercase letters, digits/],
    ['a_b', /lowercase letters, digits/],
    ['a.b', /lowercase letters, digits/],
    ['ä', /lowercase letters, digits/],
  ];
  for (const name of valid) {
    it(`accepts ${JSON.stringify(name)}`, () => {
      validateReplicaName(name);
      assert.equal(isReplicaName(name), true);
    });
  }
  for (const [name, rule] of invalid) {
    it(`refuses ${JSON.stringify(name)}`, () => {
      assertFails(() => validateReplicaName(name), 'InvalidParameter.BadReplicaName', rule);
      assert.equal(isReplicaName(name), false);
    });
  }
});

describe('remarks', () => {
  const cases: [string, (s: string) => void, number][] = [
    ['function', validateFunctionRemark, 60],
    ['replica', validateReplicaRemark, 50],
    ['rule', validateRuleRemark, 60],
  ];
  for (const [kind, validate, max] of cases) {
    it(`${kind} remark: accepts ${max} characters and refuses ${max + 1}`, () => {
      validate('');
      validate('x'.repeat(max));
      assertFails(() => validate('x'.repeat(max + 1)), 'InvalidParameter.LengthExceedsLimit', new RegExp(`at most ${max}`));
    });
    it(`${kind} remark: refuses control and bidirectional-override characters, which would drive a terminal or disguise text`, () => {
      validate('tab\tis fine, and so are 测 and 😀');
      for (const bad of ['a\u001b]52;c;AAAA\u0007', 'line\nbreak', 'carriage\rreturn', 'nul\u0000', 'del\u007f', 'c1\u009b2J', 'rtl\u202eoverride', 'iso\u2066late', 'sep\u2028line']) {
        assertFails(() => validate(bad), 'InvalidParameter.InvalidParameter', /control|bidirectional/);
      }
    });
    it(`${kind} remark: counts characters, not UTF-16 units or bytes`, () => {
      validate('测'.repeat(max));
      validate('😀'.repeat(max)); // 2 UTF-16 units each
      assertFails(() => validate('😀'.repeat(max + 1)), 'InvalidParameter.LengthExceedsLimit');
    });
  }
});

describe('environment variables', () => {
  it('accepts names of letters, digits, @ . - _ up to 64 characters', () => {
    for (const name of ['A', 'KEY', 'a-b.c', 'user@host', 'x_1', 'Z'.repeat(64)]) validateEnvName(name);
  });
  it('refuses other names', () => {
    assertFails(() => validateEnvName(''), 'InvalidParameter.BadEnvironmentVariable', /1 to 64/);
    assertFails(() => validateEnvName('a'.repeat(65)), 'InvalidParameter.BadEnvironmentVariable', /1 to 64/);
    for (const name of ['a b', 'a$b', 'ключ', 'a/b', 'a:b']) {
      assertFails(() => validateEnvName(name), 'InvalidParameter.BadEnvironmentVariable', /only letters/);
    }
  });
  it('limits values to 5000 UTF-8 bytes', () => {
    validateEnvValue('');
    validateEnvValue('x'.repeat(5000));
    validateEnvValue('é'.repeat(2500)); // 5000 bytes
    assertFails(() => validateEnvValue('x'.repeat(5001)), 'InvalidParameter.BadEnvironmentVariable', /5000 bytes/);
    assertFails(() => validateEnvValue('é'.repeat(2501)), 'InvalidParameter.BadEnvironmentVariable', /5000 bytes/);
    assertFails(() => validateEnvValue('€'.repeat(1667)), 'InvalidParameter.BadEnvironmentVariable'); // 5001 bytes
  });
  it('parses values by type', () => {
    assert.equal(parseEnvValue('string', '{"a":1}'), '{"a":1}');
    assert.deepEqual(parseEnvValue('json', '{"a":[1,2]}'), { a: [1, 2] });
    assert.equal(parseEnvValue('json', '42'), 42);
    assert.equal(parseEnvValue('json', '"s"'), 's');
    assertFails(() => parseEnvValue('json', '{a:1}'), 'InvalidParameter.BadEnvironmentVariable', /valid JSON/);
    assertFails(() => parseEnvValue('json', ''), 'InvalidParameter.BadEnvironmentVariable', /valid JSON/);
  });
  it('reads a secret as JSON only when it is an object or array', () => {
    assert.deepEqual(parseEnvValue('secret', '{"user":"u","pass":"p"}'), { user: 'u', pass: 'p' });
    assert.deepEqual(parseEnvValue('secret', ' [1] '), [1]);
    assert.equal(parseEnvValue('secret', '12345'), '12345');
    assert.equal(parseEnvValue('secret', 'true'), 'true');
    assert.equal(parseEnvValue('secret', '"quoted"'), '"quoted"');
    assert.equal(parseEnvValue('secret', '{not json'), '{not json');
    assert.equal(parseEnvValue('secret', ''), '');
  });
  it('refuses an unknown type', () => {
    assertFails(() => parseEnvValue('number' as 'string', '1'), 'InvalidParameter.BadEnvironmentVariable', /string, json or secret/);
  });
});

describe('validateZoneName', () => {
  const valid: [string, string][] = [
    ['example.com', 'example.com'],
    ['www.example.co.uk', 'www.example.co.uk'],
    ['Example.COM', 'example.com'],
    ['a-b.c1', 'a-b.c1'],
    ['xn--bcher-kva.example', 'xn--bcher-kva.example'],
    [`${'a'.repeat(63)}.com`, `${'a'.repeat(63)}.com`],
  ];
  for (const [name, normalized] of valid) {
    it(`accepts ${name}`, () => assert.equal(validateZoneName(name), normalized));
  }
  const longName = `${Array.from({ length: 4 }, () => 'a'.repeat(63)).join('.')}.com`; // 259 chars
  const invalid: [string, RegExp][] = [
    ['localhost', /two labels/],
    ['', /1 to 253/],
    [longName, /253/],
    [`${'a'.repeat(64)}.com`, /63/],
    ['example..com', /empty/],
    ['.example.com', /empty/],
    ['example.com.', /empty/],
    ['-a.com', /start or end/],
    ['a-.com', /start or end/],
    ['a_b.com', /only letters/],
    ['exa mple.com', /only letters/],
    ['http://example.com', /only letters/],
    ['10.0.0.1', /all digits/],
  ];
  for (const [name, rule] of invalid) {
    it(`refuses ${JSON.stringify(name.length > 40 ? `${name.slice(0, 40)}…` : name)}`, () => {
      assertFails(() => validateZoneName(name), 'InvalidParameter.BadZoneName', rule);
    });
  }
});

describe('validateOrigin', () => {
  const valid: [string, string][] = [
    ['https://origin.example.com', 'https://origin.example.com'],
    ['http://127.0.0.1:8080/', 'http://127.0.0.1:8080'],
    ['HTTPS://Origin.Example.com:443', 'https://origin.example.com'],
    ['http://[::1]:3000', 'http://[::1]:3000'],
  ];
  for (const [url, normalized] of valid) {
    it(`accepts ${url}`, () => assert.equal(validateOrigin(url), normalized));
  }
  const invalid: [string, RegExp][] = [
    ['origin.example.com', /absolute URL/],
    ['/path', /absolute URL/],
    ['', /absolute URL/],
    ['ftp://example.com', /http or https/],
    ['file:///etc/passwd', /http or https/],
    ['https://example.com/api', /path/],
    ['https://example.com//', /path/],
    ['https://example.com/?a=1', /query/],
    ['https://example.com?', /query/],
    ['https://example.com/#top', /fragment/],
    ['https://example.com#', /fragment/],
    ['https://user:pass@example.com', /user info/],
  ];
  for (const [url, rule] of invalid) {
    it(`refuses ${JSON.stringify(url)}`, () => assertFails(() => validateOrigin(url), 'InvalidParameter.BadOrigin', rule));
  }
});

describe('utf8Length and validateCodeSize', () => {
  it('counts UTF-8 bytes like TextEncoder', () => {
    const samples = ['', 'abc', 'é', '€', '😀', 'a😀b€é', '\ud800', 'x\udc00y', '\ud800\ud800', '\u07ff\u0800\uffff'];
    for (const s of samples) assert.equal(utf8Length(s), new TextEncoder().encode(s).length, JSON.stringify(s));
  });
  it('accepts code at the limit and refuses one byte more', () => {
    validateCodeSize('x'.repeat(100), 100);
    validateCodeSize('€'.repeat(33), 100); // 99 bytes
    assertFails(() => validateCodeSize('x'.repeat(101), 100), 'InvalidParameter.ContentExceedsLimit', /at most 100 bytes/);
    assertFails(() => validateCodeSize('€'.repeat(34), 100), 'InvalidParameter.ContentExceedsLimit', /102 bytes/);
    assertFails(() => validateCodeSize(new Uint8Array(101), 100), 'InvalidParameter.ContentExceedsLimit');
    validateCodeSize(new Uint8Array(100), 100);
  });
  it('defaults to 5 MB', () => {
    validateCodeSize('x'.repeat(5 * 1024 * 1024));
    assertFails(() => validateCodeSize('x'.repeat(5 * 1024 * 1024 + 1)), 'InvalidParameter.ContentExceedsLimit');
    assertFails(() => validateCodeSize('é'.repeat(2.5 * 1024 * 1024 + 1)), 'InvalidParameter.ContentExceedsLimit');
  });
});

describe('limits', () => {
  it('match EdgeOne', () => {
    assert.deepEqual(
      [maxReplicasPerFunction, maxFunctionsPerZone, maxRulesPerZone, maxEnvVarsPerFunction],
      [2, 100, 200, 64],
    );
  });
});
