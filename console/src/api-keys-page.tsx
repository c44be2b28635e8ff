/** API keys for the EdgeOne-compatible API: list, create (the SecretKey shown once), delete. */
import { useState } from 'preact/hooks';
import { call, enc } from './api.ts';
import { Confirm, Dialog, ErrorNote, Loading, Table, useLoad, when } from './ui.tsx';

interface ApiKey {
  secretId: string;
  remark: string;
  createdAt: string;
}

interface NewApiKey extends ApiKey {
  secretKey: string;
}

function CreateKey(props: { onClose: () => void; onCreated: () => void }) {
  const [remark, setRemark] = useState('');
  const [created, setCreated] = useState<NewApiKey | null>(null);
  const [error, setError] = useState<unknown>(null);
  const submit = async (event: Event) => {
    event.preventDefault();
    try {
      setCreated(await call<NewApiKey>('POST', '/api-keys', { remark }));
      props.onCreated();
    } catch (e) {
      setError(e);
    }
  };
  if (created) {
    return (
      <Dialog title="API key created" onClose={props.onClose} wide>
        <p>Copy the SecretKey now: it is not shown again. Use the pair with a Tencent Cloud SDK or tccli pointed at this server (docs/teo-api.md).</p>
        <div class="fields">
          <label>
            SecretId
            <input readOnly value={created.secretId} />
          </label>
          <label>
            SecretKey
            <input readOnly value={created.secretKey} />
          </label>
        </div>
        <div class="actions">
          <button type="button" onClick={props.onClose}>
            Done
          </button>
        </div>
      </Dialog>
    );
  }
  return (
    <Dialog title="Create API key" onClose={props.onClose}>
      <form onSubmit={submit}>
        <div class="fields">
          <label>
            Remark
            <input value={remark} onInput={(e) => setRemark(e.currentTarget.value)} />
          </label>
        </div>
        <ErrorNote error={error} />
        <div class="actions">
          <button type="submit">Create</button>
        </div>
      </form>
    </Dialog>
  );
}

export function ApiKeysPage() {
  const keys = useLoad(() => call<{ apiKeys: ApiKey[] }>('GET', '/api-keys'), []);
  const [creating, setCreating] = useState(false);
  const [deleting, setDeleting] = useState<ApiKey | null>(null);
  const [error, setError] = useState<unknown>(null);
  const remove = async (key: ApiKey) => {
    setDeleting(null);
    try {
      await call('DELETE', `/api-keys/${enc(key.secretId)}`);
      keys.reload();
    } catch (e) {
      setError(e);
    }
  };
  return (
    <main>
      <div class="title">
        <h1>API keys</h1>
        <div class="actions">
          <button type="button" onClick={() => setCreating(true)}>
            Create API key
          </button>
        </div>
      </div>
      <p class="muted">Keys sign calls to the EdgeOne-compatible API (Tencent Cloud API 3.0, POST / on this port). A key may do what the admin token may.</p>
      <ErrorNote error={keys.error ?? error} />
      {keys.data === undefined ? (
        keys.error ? null : <Loading />
      ) : (
        <Table head={['SecretId', 'Remark', 'Created', '']}>
          {keys.data.apiKeys.map((key) => (
            <tr>
              <td>
                <code>{key.secretId}</code>
              </td>
              <td>{key.remark}</td>
              <td>{when(key.createdAt)}</td>
              <td>
                <button type="button" class="secondary" aria-label={`Delete ${key.secretId}`} onClick={() => setDeleting(key)}>
                  Delete
                </button>
              </td>
            </tr>
          ))}
        </Table>
      )}
      {creating && <CreateKey onClose={() => setCreating(false)} onCreated={keys.reload} />}
      {deleting && (
        <Confirm title="Delete API key" action="Delete" onConfirm={() => void remove(deleting)} onClose={() => setDeleting(null)}>
          <p>
            Delete <code>{deleting.secretId}</code>? Requests signed with it are refused from now on.
          </p>
        </Confirm>
      )}
    </main>
  );
}
