/**
 * A replica on real traffic: Rollout (a share of production requests, optionally with a guard that
 * stops it by itself when too many of them fail) and Shadow (copies of a sample of production
 * requests, sent to the replica after production has answered).
 */
import { useState } from 'preact/hooks';
import { call, enc, type Fn, type Replica, type Shadow } from './api.ts';
import { stopText } from './traffic-text.ts';
import { Dialog, ErrorNote } from './ui.tsx';

const path = (fn: Fn, replica: Replica, what: string): string => `/functions/${enc(fn.id)}/replicas/${enc(replica.name)}/${what}`;

/** A replica on a share of the function's production traffic (0 ends it). */
export function Rollout(props: { fn: Fn; replica: Replica; onClose: () => void; onSaved: (percent: number) => void }) {
  const current = props.replica.rollout;
  const [percent, setPercent] = useState(String(current?.percent ?? 0));
  const [guarded, setGuarded] = useState(current?.abortIf !== undefined);
  const [errorRate, setErrorRate] = useState(current?.abortIf ? String(Math.round(current.abortIf.errorRate * 10000) / 100) : '5');
  const [minRequests, setMinRequests] = useState(String(current?.abortIf?.minRequests ?? 100));
  const [error, setError] = useState<unknown>(null);
  const stop = props.replica.rolloutStop;
  const save = async (event: Event) => {
    event.preventDefault();
    const share = Number(percent);
    try {
      const body = {
        percent: share,
        ...(current?.sticky ? { sticky: current.sticky } : {}),
        // The API takes the rate as a share: 5% is 0.05.
        ...(guarded && share > 0 ? { abortIf: { errorRate: Number(errorRate) / 100, minRequests: Number(minRequests) } } : {}),
      };
      await call('PUT', path(props.fn, props.replica, 'rollout'), body);
      props.onSaved(share);
    } catch (e) {
      setError(e);
    }
  };
  return (
    <Dialog title={`Rollout of ${props.replica.name}`} onClose={props.onClose}>
      <form onSubmit={save}>
        <p>Requests without the EO-Function-Replica-Name header are production traffic. This share of them runs the replica instead, marked EO-Function-Replica-Status: rollout. 0 ends it; syncing the replica ends it too.</p>
        {stop && (
          <p class="warn">
            {stopText(stop)} Saving a new rollout clears this.
          </p>
        )}
        <label>
          Share of production traffic (%)
          <input type="number" min="0" max="100" step="0.1" required value={percent} onInput={(e) => setPercent(e.currentTarget.value)} />
        </label>
        <label class="check">
          <input type="checkbox" checked={guarded} onChange={(e) => setGuarded(e.currentTarget.checked)} /> Stop by itself when too many rollout requests fail
        </label>
        {guarded && (
          <div class="fields">
            <label>
              Error rate above (%)
              <input type="number" min="0" max="99.99" step="any" required value={errorRate} onInput={(e) => setErrorRate(e.currentTarget.value)} />
            </label>
            <label>
              Minimum requests
              <input type="number" min="1" max="1000000" step="1" required value={minRequests} onInput={(e) => setMinRequests(e.currentTarget.value)} />
            </label>
          </div>
        )}
        {guarded && (
          <p class="muted">
            Failed means a platform error or a 5xx answer. Counting starts when you save; once at least the minimum number of rollout requests have run, the rollout ends as soon as the share of
            failed ones is above the rate, and production serves all traffic again.
          </p>
        )}
        <ErrorNote error={error} />
        <div class="actions">
          <button type="submit">Save</button>
        </div>
      </form>
    </Dialog>
  );
}

const methods = ['GET', 'HEAD', 'OPTIONS', 'POST', 'PUT', 'PATCH', 'DELETE'];
const readOnly = ['GET', 'HEAD', 'OPTIONS'];

/** Copies of a sample of production requests to the replica; the client only ever sees production. */
export function ShadowDialog(props: { fn: Fn; replica: Replica; onClose: () => void; onSaved: (shadow: Shadow | null) => void }) {
  const current = props.replica.shadow ?? null;
  const [percent, setPercent] = useState(String(current?.percent ?? 10));
  const [chosen, setChosen] = useState<string[]>(current?.methods ?? ['GET', 'HEAD']);
  const [error, setError] = useState<unknown>(null);
  const toggle = (method: string, on: boolean) => setChosen((list) => methods.filter((m) => (m === method ? on : list.includes(m))));
  const send = async (method: 'PUT' | 'DELETE') => {
    try {
      const replica = await call<Replica>(method, path(props.fn, props.replica, 'shadow'), method === 'PUT' ? { percent: Number(percent), methods: chosen } : undefined);
      props.onSaved(replica.shadow ?? null);
    } catch (e) {
      setError(e);
    }
  };
  const writes = chosen.filter((m) => !readOnly.includes(m));
  return (
    <Dialog title={`Shadow of ${props.replica.name}`} onClose={props.onClose}>
      <form
        onSubmit={(event) => {
          event.preventDefault();
          void send('PUT');
        }}
      >
        <p>
          This share of production requests is copied to the replica after production has answered. Clients only ever get production&apos;s answer; the Shadow report compares the two. While it
          answers a copy, the replica&apos;s own subrequests may only GET and HEAD.
        </p>
        <label>
          Share of production requests (%)
          <input type="number" min="0.1" max="100" step="0.1" required value={percent} onInput={(e) => setPercent(e.currentTarget.value)} />
        </label>
        <fieldset class="choice">
          <legend>Methods to copy</legend>
          {methods.map((m) => (
            <label>
              <input type="checkbox" checked={chosen.includes(m)} onChange={(e) => toggle(m, e.currentTarget.checked)} /> {m}
            </label>
          ))}
        </fieldset>
        {chosen.length === 0 && <p class="error">Choose at least one method.</p>}
        {writes.length > 0 && <p class="warn">The replica runs {writes.join(', ')} requests a second time. It cannot write to the origin, but its code runs on them: make sure that is harmless.</p>}
        <ErrorNote error={error} />
        <div class="actions">
          {current && (
            <button type="button" class="secondary" onClick={() => void send('DELETE')}>
              Stop
            </button>
          )}
          <button type="submit" disabled={chosen.length === 0}>
            {current ? 'Save' : 'Start'}
          </button>
        </div>
      </form>
    </Dialog>
  );
}
