// The serving process joins a lane record of a request passed to the origin with the status the
// gateway saw, whichever comes first, and never holds either without bound.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { batchNotes, RecordJoin, type RecordBatch } from './records.ts';
import type { InvocationRecord } from '../store/invocation-log.ts';

const record = (requestId: string, status = 0): InvocationRecord => ({
  requestId,
  at: new Date().toISOString(),
  zoneId: 'zone-a',
  functionId: 'ef-a',
  variant: 'try-it',
  revision: 1,
  method: 'GET',
  host: 'a.example',
  path: '/',
  status,
  outcome: 'passthrough',
  logs: [],
  droppedLogs: 0,
  cpuMs: 0.1,
  wallMs: 0.2,
  subrequests: 0,
});

describe('record join', () => {
  it('appends a whole record at once, and a waiting one with the status the gateway saw, in either order', () => {
    const appended: InvocationRecord[] = [];
    const join = new RecordJoin((r) => appended.push(r));
    join.take({ type: 'record', record: record('whole', 200) });
    join.take({ type: 'record', record: record('record-first'), awaitsStatus: true });
    assert.deepEqual(appended.map((r) => r.requestId), ['whole'], 'waits for its status');
    join.take({ type: 'status', requestId: 'record-first', status: 404 });
    join.take({ type: 'status', requestId: 'status-first', status: 302 });
    join.take({ type: 'record', record: record('status-first'), awaitsStatus: true });
    assert.deepEqual(appended.map((r) => [r.requestId, r.status]), [['whole', 200], ['record-first', 404], ['status-first', 302]]);
  });

  it('gives up on the oldest past its bound: a record is appended with status 0, a status dropped', () => {
    const appended: InvocationRecord[] = [];
    const join = new RecordJoin((r) => appended.push(r), { maxWaiting: 2 });
    join.take({ type: 'record', record: record('lost-status'), awaitsStatus: true });
    join.take({ type: 'status', requestId: 'lost-record', status: 200 });
    join.take({ type: 'record', record: record('third'), awaitsStatus: true });
    assert.deepEqual(appended.map((r) => [r.requestId, r.status]), [['lost-status', 0]]);
    join.take({ type: 'record', record: record('fourth'), awaitsStatus: true });
    assert.equal(appended.length, 1, 'the lost status went without a record');
    join.take({ type: 'status', requestId: 'third', status: 204 });
    assert.deepEqual(appended.at(-1), { ...record('third'), at: appended.at(-1)!.at, status: 204 });
  });

  it('gives up after its wait', async () => {
    const appended: InvocationRecord[] = [];
    const join = new RecordJoin((r) => appended.push(r), { maxWaitMs: 20 });
    join.take({ type: 'record', record: record('never'), awaitsStatus: true });
    const deadline = Date.now() + 10_000;
    while (appended.length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    assert.deepEqual(appended.map((r) => [r.requestId, r.status]), [['never', 0]]);
  });
});

describe('record batches over IPC', () => {
  it('sends a batch when it is full, or after its delay, and flushes on demand', async () => {
    const sent: RecordBatch[] = [];
    const { sink, flush } = batchNotes((batch, done) => {
      sent.push(batch);
      done?.();
    }, { maxNotes: 3, maxDelayMs: 30 });
    for (let i = 0; i < 4; i++) sink({ type: 'record', record: record(`r${i}`, 200) });
    assert.deepEqual(sent.map((b) => b.notes.length), [3], 'a full batch goes at once');
    const deadline = Date.now() + 10_000;
    while (sent.length < 2 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
    assert.deepEqual(sent.map((b) => b.notes.length), [3, 1], 'the rest goes after the delay');
    sink({ type: 'status', requestId: 'r9', status: 201 });
    let flushed = false;
    flush(() => (flushed = true));
    assert.ok(flushed);
    assert.deepEqual(sent.at(-1)?.notes, [{ type: 'status', requestId: 'r9', status: 201 }]);
    let empty = false;
    flush(() => (empty = true));
    assert.ok(empty, 'nothing to send: done at once');
    assert.equal(sent.length, 3);
  });
});
