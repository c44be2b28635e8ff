/** Sign in: the admin token, checked against the API, kept in sessionStorage. */
import { useState } from 'preact/hooks';
import { ApiError, call, token } from './api.ts';
import { ErrorNote } from './ui.tsx';

export function SignIn(props: { onDone: () => void }) {
  const [value, setValue] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    try {
      await call('GET', '/zones', undefined, value.trim());
      token.set(value.trim());
      props.onDone();
    } catch (e) {
      setError(
        e instanceof ApiError && e.status === 401
          ? new ApiError(401, e.code, 'That token was refused. The admin token is printed by edgefn serve on its first start and kept in .edgefn/admin-token.')
          : e,
      );
    } finally {
      setBusy(false);
    }
  };
  return (
    <main class="signin">
      <h1>edgefn console</h1>
      <form onSubmit={submit}>
        <label for="token">Admin token</label>
        <input id="token" type="password" autocomplete="current-password" required value={value} onInput={(e) => setValue(e.currentTarget.value)} />
        <button type="submit" disabled={busy}>
          Sign in
        </button>
        <ErrorNote error={error} />
      </form>
    </main>
  );
}
