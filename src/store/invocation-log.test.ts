// The invocation log's bounds: per function variant (count and bytes) and in all, where the
// variant holding the most gives way, so one function's records never push out another's.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { InvocationLog, type InvocationRecord } from './invocation-log.ts';

let n = 0;
const record = (functionId: string, variant = 'production', message = ''): InvocationRecord => ({
  requestId: `r${++n}`,
  at: new Date().toISOString(),
  zoneId: 'zone-a',
  functionId,
  variant,
  method: 'GET',
  host: 'a.example',
  path: '/',
  status: 200,
  outcome: 'ok',
  logs: message ? [{ level: 'log', message }] : [],
  droppedLogs: 0,
  cpuMs: 0.1,
  wallMs: 0.2,
  subrequests: 0,
});

describe('invocation log', () => {
  it('keeps the newest records of each variant up to the count', () => {
    const log = new InvocationLog({ recordsPerVariant: 3 });
    const ids = Array.from({ length: 5 }, () => {
      const r = record('ef-a');
      log.append(r);
      return r.requestId;
    });
    log.append(record('ef-a', 'try-it'));
    assert.deepEqual(log.list('ef-a', 'production').records.map((r) => r.requestId), ids.slice(2).reverse());
    assert.equal(log.list('ef-a', 'try-it').records.length, 1, 'a replica has its own records');
  });

  it('keeps each variant under its byte bound, and the whole log under its total, at the biggest one\'s cost', () => {
    const log = new InvocationLog({ bytesPerVariant: 20_000, totalBytes: 30_000 });
    const quiet = record('ef-quiet');
    log.append(quiet);
    for (let i = 0; i < 100; i++) log.append(record('ef-loud', 'production', 'x'.repeat(1000)));
    const loud = log.list('ef-loud', 'production', { limit: 1000 }).records.length;
    assert.ok(loud > 5 && loud < 20, `${loud} loud records kept`);
    for (let i = 0; i < 100; i++) log.append(record('ef-loud', 'try-it', 'y'.repeat(1000)));
    assert.deepEqual(log.list('ef-quiet', 'production').records.map((r) => r.requestId), [quiet.requestId], 'a quiet function keeps its record');
  });

  it('pages with a cursor and forgets a deleted function', () => {
    const log = new InvocationLog();
    for (let i = 0; i < 5; i++) log.append(record('ef-p'));
    const first = log.list('ef-p', 'production', { limit: 3 });
    assert.equal(first.records.length, 3);
    const second = log.list('ef-p', 'production', { limit: 3, before: first.next! });
    assert.equal(second.records.length, 2);
    assert.equal(second.next, null);
    log.forget('ef-p');
    assert.equal(log.list('ef-p', 'production').records.length, 0);
  });
});
