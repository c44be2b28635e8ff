/**
 * The Shadow report of a replica: how its answers to copies of production requests compared with
 * production's (pairs, matches, copies skipped, error rates side by side), and each kind of
 * difference with its examples. Everything in an example came from the functions, so it is shown
 * as text only.
 */
import { call, enc, type Fn, type Shadow, type ShadowPair, type ShadowReport, type ShadowSide } from './api.ts';
import { none, rateText, shadowText } from './traffic-text.ts';
import { Dialog, ErrorNote, Loading, Table, useLoad, when } from './ui.tsx';

const kindText = (kind: string): string => (kind.startsWith('header:') ? `header ${kind.slice('header:'.length)}` : kind);

/** One side of a pair, with what differs from the other side marked. */
function SideView(props: { side: ShadowSide; other: ShadowSide; label: string }) {
  const { side, other } = props;
  const names = [...new Set([...Object.keys(side.headers), ...Object.keys(other.headers)])].sort();
  const mark = (differs: boolean) => (differs ? 'differs' : undefined);
  return (
    <div class="side" role="group" aria-label={props.label}>
      <div>
        <span class={mark(side.outcome !== other.outcome)}>{side.outcome}</span> · status <span class={mark(side.status !== other.status)}>{side.status}</span>
      </div>
      {names.map((name) => (
        <div class={`mono ${mark(side.headers[name] !== other.headers[name]) ?? ''}`}>
          {name}: {side.headers[name] ?? '(none)'}
        </div>
      ))}
      <div class={`mono ${mark(side.bodySha256 !== other.bodySha256) ?? ''}`} title={side.bodySha256 ?? undefined}>
        body sha256 {side.bodySha256 ? `${side.bodySha256.slice(0, 16)}…` : none}
      </div>
    </div>
  );
}

function Examples(props: { kind: string; count: number; examples: ShadowPair[] }) {
  return (
    <section class="kind" aria-label={`Differs in ${kindText(props.kind)}`}>
      <h3>
        {kindText(props.kind)} <span class="muted">— {props.count} pairs; the first {props.examples.length}:</span>
      </h3>
      <Table head={['Request', 'Production', 'Replica']}>
        {props.examples.map((e) => (
          <tr>
            <td>
              <div class="mono">
                {e.method} {e.path}
              </div>
              <div class="muted">{when(e.at)}</div>
              <div class="muted mono">{e.requestId}</div>
            </td>
            <td>
              <SideView side={e.production} other={e.replica} label="Production" />
            </td>
            <td>
              <SideView side={e.replica} other={e.production} label="Replica" />
            </td>
          </tr>
        ))}
      </Table>
    </section>
  );
}

function ReportView(props: { name: string; report: ShadowReport }) {
  const r = props.report;
  const kinds = Object.entries(r.mismatches).sort(([, a], [, b]) => b.count - a.count);
  return (
    <>
      <dl class="facts">
        <dt>Since</dt>
        <dd>{when(r.since)}</dd>
        <dt>Pairs</dt>
        <dd>{r.pairs}</dd>
        <dt>Matches</dt>
        <dd>{r.matches}</dd>
        <dt>Skipped</dt>
        <dd>
          {r.skipped} <span class="muted">(copies not made because too many were in flight)</span>
        </dd>
      </dl>
      <Table head={['', 'Production', `Replica ${props.name}`]}>
        <tr>
          <th scope="row">Requests</th>
          <td>{r.production.requests}</td>
          <td>{r.replica.requests}</td>
        </tr>
        <tr>
          <th scope="row">Failures</th>
          <td>{r.production.failures}</td>
          <td>{r.replica.failures}</td>
        </tr>
        <tr>
          <th scope="row">Error rate</th>
          <td>{rateText(r.production.errorRate)}</td>
          <td class={(r.replica.errorRate ?? 0) > (r.production.errorRate ?? 0) ? 'bad' : undefined}>{rateText(r.replica.errorRate)}</td>
        </tr>
      </Table>
      <h3 class="gap">Mismatches</h3>
      {kinds.length === 0 ? (
        <p class="muted">{r.pairs === 0 ? 'No pairs yet: they come as production answers requests the shadow samples.' : 'None: every pair matched.'}</p>
      ) : (
        <>
          <Table head={['Differs in', 'Pairs']}>
            {kinds.map(([kind, entry]) => (
              <tr>
                <td>{kindText(kind)}</td>
                <td>{entry.count}</td>
              </tr>
            ))}
          </Table>
          {kinds.map(([kind, entry]) => (
            <Examples kind={kind} count={entry.count} examples={entry.examples} />
          ))}
        </>
      )}
    </>
  );
}

export function ShadowReportDialog(props: { fn: Fn; name: string; onClose: () => void }) {
  const url = `/functions/${enc(props.fn.id)}/replicas/${enc(props.name)}/shadow/report`;
  const loaded = useLoad(async () => ({ ...(await call<{ shadow: Shadow | null; report: ShadowReport | null }>('GET', url)), at: new Date().toISOString() }), [url]);
  const data = loaded.data;
  return (
    <Dialog title={`Shadow report of ${props.name}`} onClose={props.onClose} wide>
      <div class="title">
        <p>
          {!data ? '' : data.shadow ? `Shadow on: ${shadowText(data.shadow)}, since ${when(data.shadow.since)}.` : data.report ? 'Shadow off: this is the report of the last one.' : 'Shadow off.'}
          {data && <span class="muted"> Read at {when(data.at)}.</span>}
        </p>
        <button type="button" class="secondary" onClick={loaded.reload}>
          Refresh
        </button>
      </div>
      <ErrorNote error={loaded.error} />
      {!data ? (
        <Loading height="12rem" />
      ) : data.report ? (
        <ReportView name={props.name} report={data.report} />
      ) : (
        <p class="muted">No report yet. Start a shadow of this replica; reports are kept by the server since it started.</p>
      )}
    </Dialog>
  );
}
