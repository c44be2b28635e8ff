/** fetch: the guest builds the Request, the host does the network (redirects, timeouts, origin). */
import { Request, requestSignal, requestToWire, type RequestInit } from './request.ts';
import type { Response} from './response.ts';
import { responseFromWire } from './response.ts';
import { callHost } from './ops.ts';
import { execState } from './exec.ts';
import { DOMException } from './dom-exception.ts';
import type { WireFetch, WireFetchResponse } from './protocol.ts';
import { errorMessage, typeError } from './errors.ts';

let subrequestLimit = 64;

/** Set once at load from the host's limits. */
export function setSubrequestLimit(limit: number): void {
  subrequestLimit = limit;
}

/** Thrown by the fetch after the limit; the host reports it with its own error code. */
export class SubrequestLimitError extends Error {
  constructor() {
    super(`Too many subrequests: at most ${subrequestLimit} fetch calls per execution`);
    this.name = 'Error';
  }
}

// `init` defaults rather than being optional: WebIDL's `length` (1) counts required arguments.
export async function fetch(input: unknown, init: RequestInit | undefined = undefined): Promise<Response> {
  const request = new Request(input, init);
  const state = execState();
  if (state) {
    state.subrequests += 1;
    if (state.subrequests > subrequestLimit) throw new SubrequestLimitError();
  }
  // The Request's own signal: given in init, or that of a Request passed as input.
  const signal = requestSignal(request);
  if (signal?.aborted) throw signal.reason;
  const protocol = request.url.slice(0, request.url.indexOf(':') + 1);
  if (protocol !== 'http:' && protocol !== 'https:') throw typeError('fetch', `cannot load ${request.url}: unsupported scheme`);
  const wire = requestToWire(request) as WireFetch;
  const pending = callHost<WireFetchResponse>('fetch', wire);
  const wireResponse = signal ? await raceAbort(pending, signal) : await pending;
  return responseFromWire(wireResponse);
}

function raceAbort<T>(pending: Promise<T>, signal: NonNullable<RequestInit['signal']>): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason ?? new DOMException(errorMessage('fetch', 'the operation was aborted'), 'AbortError'));
    signal.addEventListener('abort', onAbort, { once: true });
    pending.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}
