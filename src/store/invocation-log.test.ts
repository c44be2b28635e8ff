// The invocation log's bounds: per function variant (count and bytes) and in all, where the
// variant holding the most gives way, so one function's records never push out another's.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { InvocationLog, type InvocationRecord } from './invocation-log.ts';
import { EdgefnError } from '../domain/errors.ts';

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

  it('finds one record by its request id, in its own variant only, and not once it has been pushed out', () => {
    const log = new InvocationLog({ recordsPerVariant: 2 });
    const first = record('ef-a');
    log.append(first);
    const replica = record('ef-a', 'try-it');
    log.append(replica);
    assert.equal(log.find('ef-a', 'production', first.requestId), first);
    assert.equal(log.find('ef-a', 'production', replica.requestId), undefined, 'another variant');
    assert.equal(log.find('ef-b', 'production', first.requestId), undefined, 'another function');
    log.append(record('ef-a'));
    log.append(record('ef-a'));
    assert.equal(log.find('ef-a', 'production', first.requestId), undefined);
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

describe('invocation log followers', () => {
  it('hears of new records of its function, of one variant or of all, with their JSON, until it unsubscribes', () => {
    const log = new InvocationLog();
    log.append(record('ef-f'));
    const all: string[] = [];
    const replica: string[] = [];
    const texts: string[] = [];
    const stopAll = log.subscribe('ef-f', undefined, (r, json) => {
      all.push(r.requestId);
      texts.push(json);
    });
    const stopReplica = log.subscribe('ef-f', 'try-it', (r) => replica.push(r.requestId));
    const production = record('ef-f');
    const tried = record('ef-f', 'try-it');
    log.append(production);
    log.append(tried);
    log.append(record('ef-other'));
    assert.deepEqual(all, [production.requestId, tried.requestId], 'every variant, no other function, nothing from before');
    assert.deepEqual(replica, [tried.requestId], 'only its variant');
    assert.deepEqual(JSON.parse(texts[0]!), production);
    assert.equal(log.followers, 2);
    stopReplica();
    stopReplica();
    log.append(record('ef-f', 'try-it'));
    assert.equal(replica.length, 1, 'no more after unsubscribing');
    assert.equal(all.length, 3);
    assert.equal(log.followers, 1, 'unsubscribing twice counts once');
    stopAll();
    assert.equal(log.followers, 0);
  });

  it('keeps appending (and telling the others) when a listener throws', () => {
    const log = new InvocationLog();
    const heard: string[] = [];
    log.subscribe('ef-t', undefined, () => {
      throw new Error('a broken follower');
    });
    log.subscribe('ef-t', undefined, (r) => heard.push(r.requestId));
    const r = record('ef-t');
    assert.doesNotThrow(() => log.append(r));
    assert.deepEqual(heard, [r.requestId]);
    assert.equal(log.list('ef-t', 'production').records.length, 1);
  });

  it('ends the followers of a forgotten function, and every follower when closed', () => {
    const log = new InvocationLog();
    const ended: string[] = [];
    const stop = log.subscribe('ef-gone', undefined, () => assert.fail('no record after forget'), () => ended.push('gone'));
    log.subscribe('ef-kept', 'production', () => undefined, () => ended.push('kept'));
    log.forget('ef-gone');
    assert.deepEqual(ended, ['gone']);
    assert.equal(log.followers, 1);
    stop();
    assert.equal(log.followers, 1, 'unsubscribing an ended follower changes nothing');
    log.append(record('ef-gone'));
    log.close();
    assert.deepEqual(ended, ['gone', 'kept']);
    assert.equal(log.followers, 0);
    let late = false;
    log.subscribe('ef-kept', undefined, () => undefined, () => (late = true));
    assert.ok(late, 'a follower after close ends at once');
  });

  it('refuses followers past its bound, and takes one again when a place is free', () => {
    const log = new InvocationLog({ maxFollowers: 2 });
    const first = log.subscribe('ef-a', undefined, () => undefined);
    log.subscribe('ef-b', undefined, () => undefined);
    assert.throws(() => log.subscribe('ef-c', undefined, () => undefined), (error: unknown) => error instanceof EdgefnError && error.code === 'LimitExceeded.LogFollowerLimitExceeded');
    first();
    assert.doesNotThrow(() => log.subscribe('ef-c', undefined, () => undefined));
  });
});
