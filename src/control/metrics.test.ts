import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { VersionMetrics } from './metrics.ts';
import type { InvocationRecord } from '../store/invocation-log.ts';

const record = (over: Partial<InvocationRecord>): InvocationRecord => ({
  requestId: 'r', at: new Date().toISOString(), zoneId: 'z', functionId: 'f', variant: 'production', versionId: 'v1',
  method: 'GET', host: 'h', path: '/', status: 200, outcome: 'ok', logs: [], droppedLogs: 0, cpuMs: 1, wallMs: 2, subrequests: 0, ...over,
});

describe('version metrics', () => {
  it('keeps at most maxSeries label sets, forgetting the least recently used with its Prometheus series', async () => {
    const metrics = new VersionMetrics({ maxSeries: 2, processMetrics: false });
    metrics.observe(record({ versionId: 'v1' }));
    metrics.observe(record({ versionId: 'v2', outcome: 'FunctionRuntime.UncaughtException', status: 500 }));
    metrics.observe(record({ versionId: 'v1' }));
    metrics.observe(record({ versionId: 'v3' }));
    const text = await metrics.text();
    assert.doesNotMatch(text, /version="v2"/, 'v2 was used least recently');
    assert.match(text, /edgefn_executions_total\{function_id="f",variant="production",version="v1",traffic="production",outcome="ok",status="2xx"\} 2/);
    assert.match(text, /version="v3"/);
    assert.equal(metrics.summary('f', 'production', 'v2', ['production'], 0).requests, 0);
    assert.equal(metrics.summary('f', 'production', 'v1', ['production'], 0).requests, 2);
  });

  it('labels replica traffic by revision and how it came', async () => {
    const metrics = new VersionMetrics({ processMetrics: false });
    metrics.observe(record({ variant: 'next', versionId: undefined, revision: 3, via: 'shadow', status: 0, outcome: 'passthrough' }));
    metrics.observe(record({ variant: 'next', versionId: undefined, revision: 3 }));
    const text = await metrics.text();
    assert.match(text, /edgefn_executions_total\{function_id="f",variant="next",version="r3",traffic="shadow",outcome="passthrough",status="none"\} 1/);
    assert.match(text, /traffic="header",outcome="ok"/, 'a replica record without via came by the header');
    assert.equal(metrics.summary('f', 'next', 'r3', ['header', 'shadow'], 0).requests, 2);
  });
});
