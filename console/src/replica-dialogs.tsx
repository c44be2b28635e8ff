/**
 * The replica dialogs: New Replica (copy production or custom code, Save, then a validated name and
 * Create), Edit (saved with the revision it was read at; a conflict keeps the user's text and shows
 * the stored code beside it), and Compare and Sync (a side-by-side diff, Confirm Sync, then a second
 * dialog naming what is replaced).
 */
import { useState } from 'preact/hooks';
import { ApiError, call, enc, type Compare, type Fn, type Replica, type VersionRef } from './api.ts';
import { CodeEditor, MergeEditor, type CodeProblem } from './editor.tsx';
import { problemOf } from './problems.ts';
import { Dialog, ErrorNote, Loading, useLoad } from './ui.tsx';

/** The replica name rule: 1-50 of a-z, 0-9 and '-', no leading, trailing or doubled hyphen. */
export function nameProblem(name: string, taken: string[]): string | null {
  if (name === '') return 'Enter a name.';
  if (name.length > 50) return 'At most 50 characters.';
  if (!/^[a-z0-9-]+$/.test(name)) return 'Only lowercase letters a-z, digits 0-9 and hyphens.';
  if (name.startsWith('-') || name.endsWith('-')) return 'No hyphen at the start or the end.';
  if (name.includes('--')) return 'No two hyphens in a row.';
  if (name === 'production') return 'production is reserved: it names production itself.';
  if (taken.includes(name)) return `This function already has a replica named ${name}.`;
  return null;
}

const custom = `addEventListener('fetch', (event) => {
  event.respondWith(new Response('Hello from a replica'));
});
`;

export function NewReplica(props: { fn: Fn; production: string; taken: string[]; onClose: () => void; onCreated: () => void }) {
  const [source, setSource] = useState<'copy' | 'custom'>('copy');
  const [content, setContent] = useState(props.production);
  const [step, setStep] = useState<'code' | 'name'>('code');
  const [name, setName] = useState('');
  const [touched, setTouched] = useState(false);
  const [problem, setProblem] = useState<CodeProblem | null>(null);
  const [error, setError] = useState<unknown>(null);
  const choose = (value: 'copy' | 'custom') => {
    setSource(value);
    setContent(value === 'copy' ? props.production : custom);
  };
  const invalid = nameProblem(name, props.taken);
  const create = async (event: Event) => {
    event.preventDefault();
    setTouched(true);
    if (invalid) return;
    try {
      const body = source === 'copy' && content === props.production ? { name, from: 'production' } : { name, content };
      await call('POST', `/functions/${enc(props.fn.id)}/replicas`, body);
      props.onCreated();
    } catch (e) {
      const p = problemOf(e);
      setProblem(p);
      setError(e);
      if (p) setStep('code');
    }
  };
  return (
    <Dialog title="New Replica" onClose={props.onClose} wide>
      {step === 'code' ? (
        <form
          onSubmit={(event) => {
            event.preventDefault();
            setStep('name');
          }}
        >
          <fieldset class="choice">
            <legend>Start from</legend>
            <label>
              <input type="radio" name="source" checked={source === 'copy'} onChange={() => choose('copy')} /> Copy production code
            </label>
            <label>
              <input type="radio" name="source" checked={source === 'custom'} onChange={() => choose('custom')} /> Custom code
            </label>
          </fieldset>
          <CodeEditor label="Replica code" value={content} onChange={setContent} problem={problem} />
          <ErrorNote error={error} />
          <div class="actions">
            <button type="submit">Save</button>
          </div>
        </form>
      ) : (
        <form onSubmit={create} noValidate>
          <label for="replica-name">Replica name</label>
          <input
            id="replica-name"
            value={name}
            autoFocus
            aria-invalid={touched && invalid ? 'true' : 'false'}
            aria-describedby="replica-name-rule"
            onInput={(e) => {
              setName(e.currentTarget.value);
              setTouched(true);
            }}
          />
          <p id="replica-name-rule" class={touched && invalid ? 'error' : 'muted'} aria-live="polite">
            {touched && invalid ? invalid : '1-50 characters: a-z, 0-9 and hyphens; no hyphen at either end or twice in a row.'}
          </p>
          <ErrorNote error={error} />
          <div class="actions">
            <button type="button" class="secondary" onClick={() => setStep('code')}>
              Back to the code
            </button>
            <button type="submit" disabled={touched && invalid !== null}>
              Create
            </button>
          </div>
        </form>
      )}
    </Dialog>
  );
}

export function EditReplica(props: { fn: Fn; name: string; onClose: () => void; onSaved: () => void }) {
  const path = `/functions/${enc(props.fn.id)}/replicas/${enc(props.name)}`;
  const loaded = useLoad(() => call<Replica>('GET', path), [path]);
  const [text, setText] = useState<string | null>(null);
  const [revision, setRevision] = useState<number | null>(null);
  const [stored, setStored] = useState<Replica | null>(null);
  const [problem, setProblem] = useState<CodeProblem | null>(null);
  const [error, setError] = useState<unknown>(null);
  const replica = loaded.data;
  const save = async (event: Event) => {
    event.preventDefault();
    if (!replica) return;
    try {
      await call('PATCH', path, { content: text ?? replica.content, revision: revision ?? replica.revision });
      props.onSaved();
    } catch (e) {
      setProblem(problemOf(e));
      setError(e);
      if (e instanceof ApiError && e.code === 'FailedOperation.ReplicaRevisionConflict') {
        const current = await call<Replica>('GET', path);
        setStored(current);
        setRevision(current.revision);
      }
    }
  };
  return (
    <Dialog title={`Edit replica ${props.name}`} onClose={props.onClose} wide>
      <ErrorNote error={loaded.error} />
      {!replica ? (
        <Loading height="20rem" />
      ) : (
        <form onSubmit={save}>
          <CodeEditor label="Replica code" value={replica.content ?? ''} onChange={setText} problem={problem} />
          <ErrorNote error={error} />
          {stored && (
            <div class="conflict" role="status">
              <p>
                Someone else saved this replica while you were editing: it is now at revision {stored.revision}. Your text is still in the editor above. Here is what is stored (left) against
                your text (right); Save again to replace the stored code with yours.
              </p>
              <MergeEditor production={stored.content ?? ''} replica={text ?? replica.content ?? ''} labels={['Stored code', 'Your code']} />
            </div>
          )}
          <div class="actions">
            <button type="submit">Save</button>
          </div>
        </form>
      )}
    </Dialog>
  );
}

export function CompareAndSync(props: { fn: Fn; name: string; onClose: () => void; onSynced: (version: VersionRef, previous: string) => void }) {
  const path = `/functions/${enc(props.fn.id)}/replicas/${enc(props.name)}`;
  const compare = useLoad(() => call<Compare>('GET', `${path}/compare`), [path]);
  const [confirming, setConfirming] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const c = compare.data;
  const sync = async () => {
    if (!c) return;
    try {
      const version = await call<VersionRef>('POST', `${path}/sync`, { productionVersion: c.production.version.id, replicaRevision: c.replica.revision, confirm: true });
      props.onSynced(version, c.production.version.id);
    } catch (e) {
      setConfirming(false);
      setError(
        e instanceof ApiError && (e.code === 'FailedOperation.ProductionChanged' || e.code === 'FailedOperation.ReplicaRevisionConflict')
          ? new ApiError(e.status, e.code, 'The code changed after this comparison, so nothing was synced. The comparison below is the new one: check it and confirm again.')
          : e,
      );
      compare.reload();
    }
  };
  return (
    <Dialog title={`Compare replica ${props.name} with production`} onClose={props.onClose} wide>
      <ErrorNote error={compare.error ?? error} />
      {!c ? (
        <Loading height="20rem" />
      ) : (
        <>
          <p class="muted">
            Production {c.production.version.id} (left) · replica {props.name} revision {c.replica.revision} (right) · +{c.added} −{c.removed} lines
          </p>
          <MergeEditor production={c.production.content} replica={c.replica.content} />
          <div class="actions">
            <button type="button" onClick={() => setConfirming(true)}>
              Confirm Sync
            </button>
          </div>
        </>
      )}
      {confirming && c && (
        <Dialog title="Sync to production" onClose={() => setConfirming(false)}>
          <p>
            Sync replica <strong>{props.name}</strong> (revision {c.replica.revision}) to production of <strong>{props.fn.name}</strong>? It replaces production version{' '}
            <strong class="mono">{c.production.version.id}</strong>.
          </p>
          <p>The current production code will be overwritten. It stays in the version history, where Roll back restores it.</p>
          <div class="actions">
            <button type="button" class="secondary" onClick={() => setConfirming(false)}>
              Cancel
            </button>
            <button type="button" class="danger" onClick={sync}>
              Sync to production
            </button>
          </div>
        </Dialog>
      )}
    </Dialog>
  );
}
