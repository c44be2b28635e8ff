/**
 * Compare metrics: a replica's current revision against production's current version over a recent
 * window (requests, errors, wall and CPU time percentiles), with the replica's requests split by
 * how they reached it (its header, its rollout, shadow copies).
 */
import { useState } from 'preact/hooks';
import { call, enc, type Fn, type MetricsCompare, type MetricsSummary, type Percentiles } from './api.ts';
import { msText, rateText } from './traffic-text.ts';
import { Dialog, ErrorNote, Loading, Table, useLoad, when } from './ui.tsx';

const windows: [number, string][] = [
  [300, '5 minutes'],
  [900, '15 minutes'],
  [3600, '60 minutes'],
];

type Row = [string, (s: MetricsSummary) => string];
const percentile = (of: 'wallMs' | 'cpuMs', p: keyof Percentiles) => (s: MetricsSummary) => msText(s[of]?.[p]);
const rows: Row[] = [
  ['Requests', (s) => String(s.requests)],
  ['Failures', (s) => String(s.failures)],
  ['Error rate', (s) => rateText(s.errorRate)],
  ['Wall time p50', percentile('wallMs', 'p50')],
  ['Wall time p95', percentile('wallMs', 'p95')],
  ['Wall time p99', percentile('wallMs', 'p99')],
  ['CPU time p50', percentile('cpuMs', 'p50')],
  ['CPU time p95', percentile('cpuMs', 'p95')],
  ['CPU time p99', percentile('cpuMs', 'p99')],
];

export function CompareMetricsDialog(props: { fn: Fn; name: string; onClose: () => void }) {
  const [seconds, setSeconds] = useState(900);
  const url = `/functions/${enc(props.fn.id)}/metrics/compare?replica=${enc(props.name)}&window=${seconds}`;
  const loaded = useLoad(() => call<MetricsCompare>('GET', url), [url]);
  const m = loaded.data;
  const columns: MetricsSummary[] = m ? [m.production, m.replica, m.replica.byTraffic.header, m.replica.byTraffic.rollout, m.replica.byTraffic.shadow] : [];
  const worse = (s: MetricsSummary): boolean => m !== undefined && s !== m.production && (s.errorRate ?? 0) > (m.production.errorRate ?? 0);
  return (
    <Dialog title={`Metrics of ${props.name} against production`} onClose={props.onClose} wide>
      <div class="title">
        <label class="inline">
          Window
          <select value={String(seconds)} onChange={(e) => setSeconds(Number(e.currentTarget.value))}>
            {windows.map(([value, text]) => (
              <option value={String(value)}>Last {text}</option>
            ))}
          </select>
        </label>
        <button type="button" class="secondary" onClick={loaded.reload}>
          Refresh
        </button>
      </div>
      <ErrorNote error={loaded.error} />
      {!m ? (
        <Loading height="16rem" />
      ) : (
        <>
          <p class="muted">
            Production version <span class="mono">{m.production.version}</span> against replica {m.replica.name} revision {m.replica.revision}, from {when(m.window.from)} to {when(m.window.to)} (UTC).
          </p>
          <Table head={['', 'Production', `Replica ${m.replica.name}`, 'by header', 'by rollout', 'by shadow']}>
            {rows.map(([title, value]) => (
              <tr>
                <th scope="row">{title}</th>
                {columns.map((s, i) => (
                  <td class={`${i > 1 ? 'muted' : ''} ${title === 'Error rate' && worse(s) ? 'bad' : ''}`.trim() || undefined}>{value(s)}</td>
                ))}
              </tr>
            ))}
          </Table>
          <p class="muted">
            The replica&apos;s requests are split by how they reached it: its EO-Function-Replica-Name header, its rollout, or shadow copies of production requests. Only its current revision and
            production&apos;s current version count; failures are platform errors and 5xx answers. The server keeps the last hour in memory.
          </p>
        </>
      )}
    </Dialog>
  );
}
