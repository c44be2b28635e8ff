/** Function Management: zones and their functions, and creating either. */
import { useState } from 'preact/hooks';
import { call, type Fn, type Replica, type Zone } from './api.ts';
import { CodeEditor, type CodeProblem } from './editor.tsx';
import { Dialog, ErrorNote, Loading, Table, useLoad, when } from './ui.tsx';
import { problemOf } from './problems.ts';

interface Row extends Fn {
  replicas: number;
}

const starter = `addEventListener('fetch', (event) => {
  event.respondWith(new Response('Hello from edgefn!'));
});
`;

function CreateFunction(props: { zones: Zone[]; onClose: () => void; onCreated: (fn: Fn) => void }) {
  const [zoneId, setZoneId] = useState(props.zones[0]?.id ?? '');
  const [name, setName] = useState('');
  const [remark, setRemark] = useState('');
  const [content, setContent] = useState(starter);
  const [problem, setProblem] = useState<CodeProblem | null>(null);
  const [error, setError] = useState<unknown>(null);
  const submit = async (event: Event) => {
    event.preventDefault();
    try {
      props.onCreated(await call<Fn>('POST', '/functions', { zoneId, name, content, ...(remark ? { remark } : {}) }));
    } catch (e) {
      setProblem(problemOf(e));
      setError(e);
    }
  };
  return (
    <Dialog title="Create function" onClose={props.onClose} wide>
      <form onSubmit={submit}>
        <div class="fields">
          <label>
            Zone
            <select value={zoneId} onChange={(e) => setZoneId(e.currentTarget.value)}>
              {props.zones.map((z) => (
                <option value={z.id}>{z.name}</option>
              ))}
            </select>
          </label>
          <label>
            Function name
            <input required value={name} onInput={(e) => setName(e.currentTarget.value)} />
          </label>
          <label>
            Remark
            <input value={remark} onInput={(e) => setRemark(e.currentTarget.value)} />
          </label>
        </div>
        <CodeEditor label="Function code" value={starter} onChange={setContent} problem={problem} />
        <ErrorNote error={error} />
        <div class="actions">
          <button type="submit">Create</button>
        </div>
      </form>
    </Dialog>
  );
}

function CreateZone(props: { onClose: () => void; onCreated: () => void }) {
  const [name, setName] = useState('');
  const [origin, setOrigin] = useState('');
  const [error, setError] = useState<unknown>(null);
  const submit = async (event: Event) => {
    event.preventDefault();
    try {
      await call('POST', '/zones', { name, origin });
      props.onCreated();
    } catch (e) {
      setError(e);
    }
  };
  return (
    <Dialog title="Create zone" onClose={props.onClose}>
      <form onSubmit={submit}>
        <label>
          Zone name
          <input required placeholder="example.com" value={name} onInput={(e) => setName(e.currentTarget.value)} />
        </label>
        <label>
          Origin
          <input required placeholder="https://origin.example.com" value={origin} onInput={(e) => setOrigin(e.currentTarget.value)} />
        </label>
        <ErrorNote error={error} />
        <div class="actions">
          <button type="submit">Create</button>
        </div>
      </form>
    </Dialog>
  );
}

export function FunctionsPage() {
  const [dialog, setDialog] = useState<'function' | 'zone' | null>(null);
  const { data, error, reload } = useLoad(async () => {
    const [{ zones }, { functions }] = await Promise.all([call<{ zones: Zone[] }>('GET', '/zones'), call<{ functions: Fn[] }>('GET', '/functions')]);
    const rows = await Promise.all(functions.map(async (fn): Promise<Row> => ({ ...fn, replicas: (await call<{ replicas: Replica[] }>('GET', `/functions/${fn.id}/replicas`)).replicas.length })));
    return { zones, rows };
  }, []);
  return (
    <main>
      <div class="title">
        <h1>Function Management</h1>
        <div class="actions">
          <button type="button" class="secondary" onClick={() => setDialog('zone')}>
            Create zone
          </button>
          <button type="button" disabled={!data || data.zones.length === 0} onClick={() => setDialog('function')}>
            Create function
          </button>
        </div>
      </div>
      <ErrorNote error={error} />
      {!data && !error && <Loading height="12rem" />}
      {data && data.zones.length === 0 && <p>No zones yet: create a zone (a site with an origin), then its functions.</p>}
      {data?.zones.map((zone) => (
        <section class="card">
          <h2>
            {zone.name} <span class="muted">{zone.id} · origin {zone.origin}</span>
          </h2>
          <Table head={['Name', 'Remark', 'Default domain', 'Production version', 'Replicas', 'Last change']}>
            {data.rows
              .filter((fn) => fn.zoneId === zone.id)
              .map((fn) => (
                <tr>
                  <td>
                    <a href={`#/functions/${fn.id}`}>{fn.name}</a>
                  </td>
                  <td>{fn.remark}</td>
                  <td class="mono">{fn.domain}</td>
                  <td class="mono">{fn.productionVersion.id}</td>
                  <td>{fn.replicas}</td>
                  <td>{when(fn.updatedAt)}</td>
                </tr>
              ))}
          </Table>
        </section>
      ))}
      {dialog === 'function' && data && (
        <CreateFunction
          zones={data.zones}
          onClose={() => setDialog(null)}
          onCreated={(fn) => {
            setDialog(null);
            location.hash = `#/functions/${fn.id}`;
          }}
        />
      )}
      {dialog === 'zone' && (
        <CreateZone
          onClose={() => setDialog(null)}
          onCreated={() => {
            setDialog(null);
            reload();
          }}
        />
      )}
    </main>
  );
}
