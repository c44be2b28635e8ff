/**
 * The test panel: one request through the gateway (the API's test route) to production or a replica,
 * or the same request to both, with each execution's log record.
 */
import { useState } from 'preact/hooks';
import { call, enc, type Fn, type LogRecord, type TestResult } from './api.ts';
import { ErrorNote } from './ui.tsx';

function headerPairs(text: string): [string, string][] {
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '')
    .map((line) => {
      const colon = line.indexOf(':');
      return colon < 1 ? [line, ''] : [line.slice(0, colon).trim(), line.slice(colon + 1).trim()];
    });
}

export function RecordView(props: { record: LogRecord | null }) {
  const r = props.record;
  if (!r) return <p class="muted">No log record arrived for this request.</p>;
  return (
    <div class="record">
      <p>
        <span class={r.outcome === 'ok' || r.outcome === 'passthrough' ? 'ok' : 'bad'}>{r.outcome}</span> · status {r.status} · CPU {r.cpuMs} ms · wall {r.wallMs} ms · {r.subrequests} subrequests
      </p>
      {r.logs.length > 0 && (
        <pre class="console" aria-label="Console output">
          {r.logs.map((l) => `[${l.level}] ${l.message}`).join('\n')}
        </pre>
      )}
      {r.droppedLogs > 0 && <p class="muted">{r.droppedLogs} more console lines dropped</p>}
      {r.error && <pre class="bad">{r.error.stack ?? r.error.message}</pre>}
    </div>
  );
}

function ResultView(props: { title: string; result: TestResult }) {
  const r = props.result;
  return (
    <section class="result" aria-label={props.title}>
      <h3>{props.title}</h3>
      <p>
        Status <strong>{r.status}</strong>
      </p>
      <details>
        <summary>Headers ({r.headers.length})</summary>
        <pre>{r.headers.map(([n, v]) => `${n}: ${v}`).join('\n')}</pre>
      </details>
      <pre class="body" aria-label="Response body">
        {r.body}
        {r.bodyTruncated ? '\n… (cut at 1 MiB)' : ''}
      </pre>
      <RecordView record={r.record} />
    </section>
  );
}

export function TestPanel(props: { fn: Fn; replicas: string[]; gateway: string | null }) {
  const [target, setTarget] = useState('production');
  const [method, setMethod] = useState('GET');
  const [path, setPath] = useState('/');
  const [headers, setHeaders] = useState('');
  const [body, setBody] = useState('');
  const [busy, setBusy] = useState(false);
  const [results, setResults] = useState<{ title: string; result: TestResult }[]>([]);
  const [error, setError] = useState<unknown>(null);
  const variant = target === 'production' || props.replicas.includes(target) ? target : 'production';

  const send = async (variants: string[]) => {
    setBusy(true);
    setError(null);
    try {
      const request = { method, path, headers: headerPairs(headers), ...(body !== '' && method !== 'GET' && method !== 'HEAD' ? { body } : {}) };
      const answers = await Promise.all(variants.map((v) => call<TestResult>('POST', `/functions/${enc(props.fn.id)}/test`, { ...request, variant: v })));
      setResults(answers.map((result, i) => ({ title: variants[i] === 'production' ? 'Production' : `Replica ${variants[i]}`, result })));
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  return (
    <section class="card" aria-labelledby="test-title">
      <h2 id="test-title">Test</h2>
      <p class="muted">
        Requests go through the gateway{props.gateway ? ` at ${props.gateway}` : ''} to <span class="mono">{props.fn.domain}</span>; a replica is chosen with the header EO-Function-Replica-Name.
      </p>
      <form
        class="test-form"
        onSubmit={(event) => {
          event.preventDefault();
          void send([variant]);
        }}
      >
        <label>
          Target
          <select value={variant} onChange={(e) => setTarget(e.currentTarget.value)}>
            <option value="production">Production</option>
            {props.replicas.map((name) => (
              <option value={name}>{name}</option>
            ))}
          </select>
        </label>
        <label>
          Method
          <select value={method} onChange={(e) => setMethod(e.currentTarget.value)}>
            {['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'].map((m) => (
              <option>{m}</option>
            ))}
          </select>
        </label>
        <label class="grow">
          Path
          <input value={path} onInput={(e) => setPath(e.currentTarget.value)} />
        </label>
        <label class="full">
          Headers (one per line, Name: value)
          <textarea rows={2} value={headers} onInput={(e) => setHeaders(e.currentTarget.value)} />
        </label>
        <label class="full">
          Body
          <textarea rows={2} value={body} onInput={(e) => setBody(e.currentTarget.value)} />
        </label>
        <div class="actions full">
          <button type="submit" disabled={busy}>
            Send
          </button>
          <button type="button" class="secondary" disabled={busy || variant === 'production'} title={variant === 'production' ? 'Choose a replica as the target to compare it with production' : undefined} onClick={() => void send([variant, 'production'])}>
            Send to both
          </button>
        </div>
      </form>
      <ErrorNote error={error} />
      <div class={results.length > 1 ? 'side-by-side' : ''}>
        {results.map((r) => (
          <ResultView title={r.title} result={r.result} />
        ))}
      </div>
    </section>
  );
}
