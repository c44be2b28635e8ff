/** Function details: production, its replicas, testing, rules, env vars and version history. */
import { useState } from 'preact/hooks';
import { call, enc, type EnvVar, type Fn, type Replica, type Rule, type Version, type VersionRef } from './api.ts';
import { CodeEditor } from './editor.tsx';
import { ReplicaSection } from './replica-section.tsx';
import { TestPanel } from './test-panel.tsx';
import { Confirm, ErrorNote, Loading, Table, useLoad, when } from './ui.tsx';

type Open = { kind: 'rollback'; version: Version } | null;

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

      <ReplicaSection
        fn={fn}
        production={data.production}
        replicas={data.replicas}
        onDone={done}
        onStopped={() => {
          setNotice(null);
          reload();
        }}
        onError={setActionError}
      />

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
