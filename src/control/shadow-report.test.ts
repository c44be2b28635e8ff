import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ShadowReports, differences } from './shadow-report.ts';
import type { ShadowNote, ShadowSide } from '../domain/replica-traffic.ts';

const side = (over: Partial<ShadowSide> = {}): ShadowSide => ({ outcome: 'ok', status: 200, headers: { 'content-type': 'text/plain' }, bodySha256: 'a', ...over });
const pair = (production: ShadowSide, replica: ShadowSide, method = 'GET') => ({ at: '2026-12-02T00:00:00.000Z', requestId: 'r', method, path: '/', production, replica });
const note = (since: string, production: ShadowSide, replica: ShadowSide): ShadowNote => ({ type: 'shadow', functionId: 'f', replica: 'next', since, pair: pair(production, replica) });

describe('shadow report', () => {
  it('names each kind of difference', () => {
    assert.deepEqual(differences(pair(side(), side())), []);
    assert.deepEqual(differences(pair(side(), side({ status: 201, bodySha256: 'b' }))), ['status', 'body']);
    assert.deepEqual(differences(pair(side(), side({ headers: { 'content-type': 'text/html', location: '/x' } }))), ['header:content-type', 'header:location']);
    assert.deepEqual(differences(pair(side(), side({ outcome: 'FunctionRuntime.UncaughtException', status: 500 }))), ['outcome']);
    assert.deepEqual(differences(pair(side({ outcome: 'passthrough', bodySha256: null }), side({ outcome: 'passthrough', bodySha256: null }))), [], 'both went to the origin');
    assert.deepEqual(differences(pair(side({ bodySha256: null }), side({ bodySha256: 'b' }))), [], 'a body not hashed is not compared');
    assert.deepEqual(differences(pair(side({ bodySha256: 'x' }), side({ bodySha256: 'y' }), 'HEAD')), [], 'HEAD has no body');
  });

  it('starts again with a newer setting, ignores older notes, and keeps five examples per kind', () => {
    const reports = new ShadowReports();
    for (let i = 0; i < 8; i++) reports.take(note('t1', side(), side({ bodySha256: String(i) })));
    reports.take(note('t1', side(), side()));
    reports.take({ type: 'shadow', functionId: 'f', replica: 'next', since: 't1', skipped: true });
    const first = reports.report('f', 'next', 't1');
    assert.equal(first.pairs, 9);
    assert.equal(first.matches, 1);
    assert.equal(first.skipped, 1);
    assert.equal(first.mismatches.body?.count, 8);
    assert.equal(first.mismatches.body?.examples.length, 5);
    reports.take(note('t2', side(), side({ outcome: 'FunctionRuntime.CpuTimeExceeded', status: 503 })));
    reports.take(note('t1', side(), side()));
    const second = reports.report('f', 'next', 't2');
    assert.equal(second.pairs, 1);
    assert.equal(second.replica.errorRate, 1);
    assert.equal(second.production.errorRate, 0);
    assert.equal(reports.latestSince('f', 'next'), 't2');
    assert.equal(reports.report('f', 'next', 't1').pairs, 0, 'the older report is gone');
    // Examples keep no query strings (they may hold a client's tokens).
    reports.take(note('t2', side({ headers: { location: '/cb?code=secret' } }), side({ headers: { location: '/cb?code=other' } })));
    const example = reports.report('f', 'next', 't2').mismatches['header:location']!.examples[0]!;
    assert.equal(example.production.headers.location, '/cb?…');
    assert.equal(example.replica.headers.location, '/cb?…');
    // A function chooses its header values: an example keeps only the first 256 characters.
    reports.take(note('t2', side({ headers: { 'content-type': 'x'.repeat(100_000) } }), side()));
    const long = reports.report('f', 'next', 't2').mismatches['header:content-type']!.examples[0]!;
    assert.equal(long.production.headers['content-type'], `${'x'.repeat(256)}…`);
    // The report is a copy: changing it changes nothing kept.
    second.mismatches.outcome!.count = 99;
    assert.equal(reports.report('f', 'next', 't2').mismatches.outcome?.count, 1);
  });
});
