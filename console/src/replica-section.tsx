/**
 * The Code Replica section of a function's page: its replicas with their rollout and shadow, and
 * the dialogs that act on them. While a rollout has a guard, the section checks every few seconds
 * whether it stopped by itself, and has the page loaded again when it did, so the warning shows
 * without a reload (and an open dialog stays open).
 */
import { useEffect, useState } from 'preact/hooks';
import { call, enc, type Fn, type Replica } from './api.ts';
import { CompareMetricsDialog } from './metrics-compare.tsx';
import { CompareAndSync, EditReplica, NewReplica } from './replica-dialogs.tsx';
import { ShadowReportDialog } from './shadow-report.tsx';
import { Rollout, ShadowDialog } from './traffic-dialogs.tsx';
import { guardText, rolloutText, shadowText, stopText } from './traffic-text.ts';
import { Confirm, Table, when } from './ui.tsx';

const maxReplicas = 2;
const guardCheckMs = 3000;

type Kind = 'edit' | 'sync' | 'delete' | 'rollout' | 'shadow' | 'report' | 'metrics';
type Open = { kind: 'new' } | { kind: Kind; replica: Replica } | null;

export interface ReplicaSectionProps {
  fn: Fn;
  production: string;
  replicas: Replica[];
  /** Something changed: say so (or not) and load the page again. */
  onDone: (message: string | null) => void;
  /** A rollout stopped by itself: load the page again, dropping a notice it made stale. */
  onStopped: () => void;
  onError: (error: unknown) => void;
}

export function ReplicaSection(props: ReplicaSectionProps) {
  const { fn } = props;
  const [open, setOpen] = useState<Open>(null);
  const replicas = props.replicas;
  const guarded = replicas.filter((r) => r.rollout?.abortIf).map((r) => `${r.name}\n${r.rollout?.since ?? ''}`);
  useEffect(() => {
    if (guarded.length === 0) return;
    const timer = setInterval(() => {
      call<{ replicas: Replica[] }>('GET', `/functions/${enc(fn.id)}/replicas`).then(
        (got) => {
          const still = got.replicas.filter((r) => r.rollout?.abortIf).map((r) => `${r.name}\n${r.rollout?.since ?? ''}`);
          if (guarded.some((key) => !still.includes(key))) props.onStopped();
        },
        () => undefined, // the next check tries again
      );
    }, guardCheckMs);
    return () => clearInterval(timer);
  }, [guarded.join('\n'), fn.id]);

  const full = props.replicas.length >= maxReplicas;
  const done = (message: string | null) => {
    setOpen(null);
    props.onDone(message);
  };
  const removeReplica = async (name: string) => {
    try {
      await call('DELETE', `/functions/${enc(fn.id)}/replicas/${enc(name)}`);
      done(`Deleted replica ${name}.`);
    } catch (e) {
      setOpen(null);
      props.onError(e);
    }
  };
  const button = (kind: Kind, r: Replica, text: string, label: string, primary = false) => (
    <button type="button" class={primary ? undefined : 'secondary'} aria-label={label} onClick={() => setOpen({ kind, replica: r })}>
      {text}
    </button>
  );
  return (
    <section class="card" aria-labelledby="replicas-title">
      <div class="title">
        <h2 id="replicas-title">Code Replica</h2>
        <div class="actions">
          {full && <span class="muted" id="replica-limit">A function has at most {maxReplicas} replicas: delete one to make another.</span>}
          <button type="button" disabled={full} aria-describedby={full ? 'replica-limit' : undefined} onClick={() => setOpen({ kind: 'new' })}>
            New Replica
          </button>
        </div>
      </div>
      {replicas.map(
        (r) =>
          r.rolloutStop && (
            <p class="warn">
              Replica <span class="mono">{r.name}</span>: {stopText(r.rolloutStop)}
            </p>
          ),
      )}
      {replicas.length === 0 ? (
        <p class="muted">No replicas. A replica runs for requests with the header EO-Function-Replica-Name: its name; every other request runs production.</p>
      ) : (
        <Table head={['Replica', 'Revision', 'Modified', 'Rollout', 'Shadow', 'Actions']}>
          {replicas.map((r) => (
            <tr>
              <td class="mono">{r.name}</td>
              <td>{r.revision}</td>
              <td>{when(r.modifiedAt)}</td>
              <td>
                {r.rollout ? rolloutText(r.rollout) : r.rolloutStop ? <span class="warn-text">stopped by itself</span> : 'none'}
                {r.rollout?.abortIf && <div class="muted">{guardText(r.rollout.abortIf)}</div>}
              </td>
              <td>{r.shadow ? `${shadowText(r.shadow)}, since ${when(r.shadow.since)}` : 'off'}</td>
              <td class="actions">
                {button('edit', r, 'Edit', `Edit ${r.name}`)}
                {button('sync', r, 'Compare and Sync to Production Code', `Compare and Sync to Production Code: ${r.name}`, true)}
                {button('rollout', r, 'Rollout', `Rollout of ${r.name}`)}
                {button('shadow', r, 'Shadow', `Shadow of ${r.name}`)}
                {button('report', r, 'Shadow report', `Shadow report of ${r.name}`)}
                {button('metrics', r, 'Compare metrics', `Compare metrics of ${r.name}`)}
                {button('delete', r, 'Delete', `Delete ${r.name}`)}
              </td>
            </tr>
          ))}
        </Table>
      )}
      {open?.kind === 'new' && <NewReplica fn={fn} production={props.production} taken={props.replicas.map((r) => r.name)} onClose={() => setOpen(null)} onCreated={() => done('Replica created.')} />}
      {open?.kind === 'edit' && <EditReplica fn={fn} name={open.replica.name} onClose={() => setOpen(null)} onSaved={() => done(`Saved replica ${open.replica.name}.`)} />}
      {open?.kind === 'sync' && (
        <CompareAndSync fn={fn} name={open.replica.name} onClose={() => setOpen(null)} onSynced={(v, previous) => done(`Synced: production is now ${v.id} (was ${previous}; Roll back restores it).`)} />
      )}
      {open?.kind === 'rollout' && (
        <Rollout fn={fn} replica={open.replica} onClose={() => setOpen(null)} onSaved={(percent) => done(percent > 0 ? `Replica ${open.replica.name} now serves ${percent}% of production traffic.` : `Rollout of ${open.replica.name} ended.`)} />
      )}
      {open?.kind === 'shadow' && (
        <ShadowDialog
          fn={fn}
          replica={open.replica}
          onClose={() => setOpen(null)}
          onSaved={(shadow) => done(shadow ? `Replica ${open.replica.name} now receives copies of ${shadowText(shadow)}.` : `Shadow traffic to ${open.replica.name} ended.`)}
        />
      )}
      {open?.kind === 'report' && <ShadowReportDialog fn={fn} name={open.replica.name} onClose={() => setOpen(null)} />}
      {open?.kind === 'metrics' && <CompareMetricsDialog fn={fn} name={open.replica.name} onClose={() => setOpen(null)} />}
      {open?.kind === 'delete' && (
        <Confirm title="Delete replica" action="Delete replica" onClose={() => setOpen(null)} onConfirm={() => void removeReplica(open.replica.name)}>
          <p>
            Delete replica <strong class="mono">{open.replica.name}</strong> of <strong>{fn.name}</strong>? Requests naming it will run production. Production is not changed.
          </p>
        </Confirm>
      )}
    </section>
  );
}
