/**
 * Live invocation logs of one function: the recent records of production and each replica, then
 * every new one as it happens (the API's NDJSON follow stream), filterable by variant and outcome.
 * A replica's records are tagged with how it got the request (header, rollout or shadow).
 */
import { useEffect, useState } from 'preact/hooks';
import { call, enc, token, type Fn, type LogRecord, type Replica } from './api.ts';
import { RecordView } from './test-panel.tsx';
import { ErrorNote, Loading, useLoad, when } from './ui.tsx';

const kept = 200;

/** How a replica got a request, as the tag's tooltip says it. */
const viaTitle: Record<NonNullable<LogRecord['via']>, string> = {
  header: 'Asked for with the EO-Function-Replica-Name header',
  rollout: "Production traffic answered by the replica's rollout",
  shadow: 'A shadow copy of a production request: no client saw this answer',
};

async function follow(id: string, signal: AbortSignal, onRecord: (r: LogRecord) => void, onState: (live: boolean) => void): Promise<void> {
  const res = await fetch(`/api/v1/functions/${enc(id)}/logs?follow=1`, { headers: { authorization: `Bearer ${token.get() ?? ''}` }, signal });
  if (!res.ok || !res.body) throw new Error(`The log stream was refused (HTTP ${res.status})`);
  onState(true);
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffered = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffered += value;
    const lines = buffered.split('\n');
    buffered = lines.pop() ?? '';
    for (const line of lines) if (line.trim() !== '') onRecord(JSON.parse(line) as LogRecord);
  }
  onState(false);
}

export function LogsPage(props: { id: string }) {
  const { data, error } = useLoad(async () => {
    const fn = await call<Fn>('GET', `/functions/${enc(props.id)}`);
    const { replicas } = await call<{ replicas: Replica[] }>('GET', `/functions/${enc(props.id)}/replicas`);
    const variants = ['production', ...replicas.map((r) => r.name)];
    const pages = await Promise.all(variants.map((v) => call<{ records: LogRecord[] }>('GET', `/functions/${enc(props.id)}/logs?variant=${enc(v)}&limit=50`).catch(() => ({ records: [] }))));
    return { fn, variants, recent: pages.flatMap((p) => p.records).sort((a, b) => b.at.localeCompare(a.at)) };
  }, [props.id]);
  const [records, setRecords] = useState<LogRecord[]>([]);
  const [live, setLive] = useState(false);
  const [streamError, setStreamError] = useState<unknown>(null);
  const [variant, setVariant] = useState('all');
  const [outcome, setOutcome] = useState('all');

  useEffect(() => {
    if (!data) return;
    setRecords(data.recent);
    const stop = new AbortController();
    follow(props.id, stop.signal, (r) => setRecords((list) => [r, ...list].slice(0, kept)), setLive).catch((e: unknown) => {
      if (!stop.signal.aborted) setStreamError(e);
      setLive(false);
    });
    return () => stop.abort();
  }, [data]);

  const shown = records.filter((r) => (variant === 'all' || r.variant === variant) && (outcome === 'all' || (outcome === 'ok' ? r.outcome === 'ok' || r.outcome === 'passthrough' : r.outcome !== 'ok' && r.outcome !== 'passthrough')));
  return (
    <main>
      <p>
        <a href="#/">Function Management</a> / {data ? <a href={`#/functions/${props.id}`}>{data.fn.name}</a> : props.id} /
      </p>
      <div class="title">
        <h1>Logs</h1>
        <span class={live ? 'ok' : 'muted'} role="status">
          {live ? 'Live' : 'Not following'}
        </span>
      </div>
      <ErrorNote error={error ?? streamError} />
      <div class="filters">
        <label>
          Variant
          <select value={variant} onChange={(e) => setVariant(e.currentTarget.value)}>
            <option value="all">All</option>
            {(data?.variants ?? ['production']).map((v) => (
              <option value={v}>{v === 'production' ? 'Production' : v}</option>
            ))}
          </select>
        </label>
        <label>
          Outcome
          <select value={outcome} onChange={(e) => setOutcome(e.currentTarget.value)}>
            <option value="all">All</option>
            <option value="ok">OK</option>
            <option value="error">Errors</option>
          </select>
        </label>
      </div>
      {!data && !error && <Loading height="20rem" />}
      {data && shown.length === 0 && <p class="muted">No executions yet. They appear here as they happen.</p>}
      <ol class="records" aria-label="Invocation records">
        {shown.map((r) => (
          <li>
            <p class="mono">
              {when(r.at)} · {r.variant === 'production' ? `production ${r.versionId ?? ''}` : `${r.variant} r${r.revision ?? ''}`}{' '}
              {r.via && (
                <span class={`tag via-${r.via}`} title={viaTitle[r.via]}>
                  {r.via}
                </span>
              )}{' '}
              · {r.method} {r.path} · {r.requestId}
            </p>
            <RecordView record={r} />
          </li>
        ))}
      </ol>
    </main>
  );
}
