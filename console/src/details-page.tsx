/** Function details: production, its replicas, testing, rules, env vars and version history. */
import { useState } from 'preact/hooks';
import { call, enc, type EnvVar, type Fn, type Replica, type Rule, type Version, type VersionRef } from './api.ts';
import { CodeEditor } from './editor.tsx';
import { CompareAndSync, EditReplica, NewReplica, Rollout } from './replica-dialogs.tsx';
import { TestPanel } from './test-panel.tsx';
import { Confirm, ErrorNote, Loading, Table, useLoad, when } from './ui.tsx';

const maxReplicas = 2;

type Open = { kind: 'new' } | { kind: 'edit'; name: string } | { kind: 'sync'; name: string } | { kind: 'delete'; name: string } | { kind: 'rollout'; replica: Replica } | { kind: 'rollback'; version: Version } | null;

const describe = (rule: Rule): string =>
  rule.conditions.map((group) => group.map((c) => `${c.target}${c.name ? `:${c.name}` : ''} ${c.operator}${c.ignoreCase ? ' (any case)' : ''} ${c.values.join(', ')}`.trim()).join(' and ')).join(' — or — ');

/** What the rule does with this function: always, a share of requests, or some regions. */
function share(rule: Rule, id: string): string {
  const target = rule.action.targets?.find((t) => t.functionId === id);
  if (rule.action.type === 'weight' && target) return ` — runs ${target.weight}% of matching requests${rule.action.sticky ? `, sticky by ${rule.action.sticky.by}${rule.action.sticky.name ? ` ${rule.action.sticky.name}` : ''}` : ''}`;
  if (rule.action.type === 'region' && target) return ` — runs for clients in ${target.regions?.join(', ') ?? ''}`;
  return '';
}

const choosesFunction = (rule: Rule, id: string): boolean => rule.action.functionId === id || (rule.action.targets ?? []).some((t) => t.functionId === id);

async function load(id: string) {
  const fn = await call<Fn>('GET', `/functions/${enc(id)}`);
  const [production, replicas, env, versions, rules, platform] = await Promise.all([
    call<Version>('GET', `/functions/${enc(id)}/versions/${enc(fn.productionVersion.id)}`),
    call<{ replicas: Replica[] }>('GET', `/functions/${enc(id)}/replicas`),
    call<{ env: EnvVar[] }>('GET', `/functions/${enc(id)}/env`),
    call<{ versions: Version[] }>('GET', `/functions/${enc(id)}/versions`),
    call<{ rules: Rule[] }>('GET', `/zones/${enc(fn.zoneId)}/rules`),
    call<{ gateway: string | null }>('GET', '/platform'),
  ]);
  return { fn, production: production.content ?? '', replicas: replicas.replicas, env: env.env, versions: versions.versions, rules: rules.rules.filter((r) => choosesFunction(r, id)), gateway: platform.gateway };
}

export function DetailsPage(props: { id: string }) {
  const { data, error, reload } = useLoad(() => load(props.id), [props.id]);
  const [open, setOpen] = useState<Open>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [actionError, setActionError] = useState<unknown>(null);
  const done = (message: string | null) => {
    setOpen(null);
    setNotice(message);
    reload();
  };
  if (!data) {
    return (
      <main>
        <ErrorNote error={error} />
        <Loading height="30rem" />
      </main>
    );
  }
  const { fn } = data;
  const full = data.replicas.length >= maxReplicas;
  const removeReplica = async (name: string) => {
    try {
      await call('DELETE', `/functions/${enc(fn.id)}/replicas/${enc(name)}`);
      done(`Deleted replica ${name}.`);
    } catch (e) {
      setOpen(null);
      setActionError(e);
    }
  };
  const rollback = async (version: Version) => {
    try {
      const created = await call<VersionRef>('POST', `/functions/${enc(fn.id)}/versions/${enc(version.id)}/rollback`);
      done(`Rolled back: production is now ${created.id}, with the code of ${version.id}.`);
    } catch (e) {
      setOpen(null);
      setActionError(e);
    }
  };
  return (
    <main>
      <p>
        <a href="#/">Function Management</a> /
      </p>
      <div class="title">
        <h1>{fn.name}</h1>
        <a href={`#/functions/${fn.id}/logs`}>Logs</a>
      </div>
      <dl class="facts">
        <dt>Function ID</dt>
        <dd class="mono">{fn.id}</dd>
        <dt>Default domain</dt>
        <dd class="mono">{fn.domain}</dd>
        <dt>Production version</dt>
        <dd class="mono">{fn.productionVersion.id}</dd>
        {fn.remark && (
          <>
            <dt>Remark</dt>
            <dd>{fn.remark}</dd>
          </>
        )}
      </dl>
      {notice && (
        <p class="notice" role="status">
          {notice}
        </p>
      )}
      <ErrorNote error={error ?? actionError} />

      <section class="card" aria-labelledby="production-title">
        <h2 id="production-title">Production code</h2>
        <CodeEditor label="Production code" value={data.production} readOnly />
      </section>

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
        {data.replicas.length === 0 ? (
          <p class="muted">No replicas. A replica runs for requests with the header EO-Function-Replica-Name: its name; every other request runs production.</p>
        ) : (
          <Table head={['Replica', 'Revision', 'Modified', 'Rollout', 'Actions']}>
            {data.replicas.map((r) => (
              <tr>
                <td class="mono">{r.name}</td>
                <td>{r.revision}</td>
                <td>{when(r.modifiedAt)}</td>
                <td>{r.rollout ? `${r.rollout.percent}% of production` : 'none'}</td>
                <td class="actions">
                  <button type="button" class="secondary" aria-label={`Edit ${r.name}`} onClick={() => setOpen({ kind: 'edit', name: r.name })}>
                    Edit
                  </button>
                  <button type="button" aria-label={`Compare and Sync to Production Code: ${r.name}`} onClick={() => setOpen({ kind: 'sync', name: r.name })}>
                    Compare and Sync to Production Code
                  </button>
                  <button type="button" class="secondary" aria-label={`Rollout of ${r.name}`} onClick={() => setOpen({ kind: 'rollout', replica: r })}>
                    Rollout
                  </button>
                  <button type="button" class="secondary" aria-label={`Delete ${r.name}`} onClick={() => setOpen({ kind: 'delete', name: r.name })}>
                    Delete
                  </button>
                </td>
              </tr>
            ))}
          </Table>
        )}
      </section>

      <TestPanel fn={fn} replicas={data.replicas.map((r) => r.name)} gateway={data.gateway} />

      <section class="card" aria-labelledby="rules-title">
        <h2 id="rules-title">Trigger rules</h2>
        {data.rules.length === 0 ? (
          <p class="muted">No trigger rule runs this function; it answers at its default domain.</p>
        ) : (
          <ul>
            {data.rules.map((r) => (
              <li>
                <span class="mono">{r.id}</span>: {describe(r)}
                {share(r, fn.id)}
              </li>
            ))}
          </ul>
        )}
      </section>

      <section class="card" aria-labelledby="env-title">
        <h2 id="env-title">Environment variables</h2>
        {data.env.length === 0 ? (
          <p class="muted">None. Production and replicas share them.</p>
        ) : (
          <Table head={['Key', 'Type', 'Value']}>
            {data.env.map((e) => (
              <tr>
                <td class="mono">{e.key}</td>
                <td>{e.type}</td>
                <td class="mono">{e.type === 'secret' ? <span aria-label="hidden secret value">••••••••</span> : e.value}</td>
              </tr>
            ))}
          </Table>
        )}
      </section>

      <section class="card" aria-labelledby="versions-title">
        <h2 id="versions-title">Version history</h2>
        <Table head={['Version', 'Created', 'Source', '']}>
          {data.versions.map((v) => (
            <tr>
              <td class="mono">{v.id}</td>
              <td>{when(v.createdAt)}</td>
              <td>{v.source}</td>
              <td>
                {v.id === fn.productionVersion.id ? (
                  <strong>Production</strong>
                ) : (
                  <button type="button" class="secondary" aria-label={`Roll back to ${v.id}`} onClick={() => setOpen({ kind: 'rollback', version: v })}>
                    Roll back
                  </button>
                )}
              </td>
            </tr>
          ))}
        </Table>
      </section>

      {open?.kind === 'new' && <NewReplica fn={fn} production={data.production} taken={data.replicas.map((r) => r.name)} onClose={() => setOpen(null)} onCreated={() => done('Replica created.')} />}
      {open?.kind === 'edit' && <EditReplica fn={fn} name={open.name} onClose={() => setOpen(null)} onSaved={() => done(`Saved replica ${open.name}.`)} />}
      {open?.kind === 'sync' && (
        <CompareAndSync fn={fn} name={open.name} onClose={() => setOpen(null)} onSynced={(v, previous) => done(`Synced: production is now ${v.id} (was ${previous}; Roll back restores it).`)} />
      )}
      {open?.kind === 'rollout' && (
        <Rollout fn={fn} replica={open.replica} onClose={() => setOpen(null)} onSaved={(percent) => done(percent > 0 ? `Replica ${open.replica.name} now serves ${percent}% of production traffic.` : `Rollout of ${open.replica.name} ended.`)} />
      )}
      {open?.kind === 'delete' && (
        <Confirm title="Delete replica" action="Delete replica" onClose={() => setOpen(null)} onConfirm={() => void removeReplica(open.name)}>
          <p>
            Delete replica <strong class="mono">{open.name}</strong> of <strong>{fn.name}</strong>? Requests naming it will run production. Production is not changed.
          </p>
        </Confirm>
      )}
      {open?.kind === 'rollback' && (
        <Confirm title="Roll back" action="Roll back" onClose={() => setOpen(null)} onConfirm={() => void rollback(open.version)}>
          <p>
            Make a new production version of <strong>{fn.name}</strong> with the code of <strong class="mono">{open.version.id}</strong>? Production is now{' '}
            <span class="mono">{fn.productionVersion.id}</span>, which stays in the history.
          </p>
        </Confirm>
      )}
    </main>
  );
}
