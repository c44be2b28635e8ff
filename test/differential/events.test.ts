// Differential tests: guest Event/EventTarget/AbortController/AbortSignal/CustomEvent/DOMException
// against Node's globals, in Node's realm and in a real isolate, plus the DOM standard where Node
// deviates. The shared cases are in cases/events.ts; the tests below need the guest's internal
// hooks (timers, listener errors, trust, abort algorithms), which the isolate cannot reach.
import { afterEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as guest from '../../src/runtime/guest/events.ts';
import { DOMException as GuestDOMException } from '../../src/runtime/guest/dom-exception.ts';
import { differentialSuite } from './harness.ts';
import { suite, type Impl } from './cases/events.ts';

const strictListeners = (): void =>
  guest.setListenerErrorReporter((err) => {
    throw new Error(`unexpected listener error: ${String(err)}`);
  });
strictListeners();
afterEach(strictListeners);
// The cases only read whether a timeout signal is pending: no real timer (one would keep Node's
// process alive for its full delay; the isolate's timers are the real ones).
guest.setTimerHooks({ setTimeout: () => 0 });

differentialSuite('Events', {
  module: 'events',
  suite,
  guest: { ...guest, DOMException: GuestDOMException } as unknown as Impl,
  node: {
    Event: globalThis.Event,
    CustomEvent: globalThis.CustomEvent,
    EventTarget: globalThis.EventTarget,
    AbortController: globalThis.AbortController,
    AbortSignal: globalThis.AbortSignal,
    DOMException: globalThis.DOMException,
  },
});

describe("events in Node's realm only: the guest's internal hooks", () => {
  it('markTrusted sets isTrusted; dispatchEvent() clears it', () => {
    const e = new guest.Event('x');
    assert.equal(e.isTrusted, false);
    guest.markTrusted(e);
    assert.equal(e.isTrusted, true);
    new guest.EventTarget().dispatchEvent(e);
    assert.equal(e.isTrusted, false, 'dispatchEvent() marks events untrusted');
  });

  it('a throwing listener is reported and does not stop the others', () => {
    const reported: unknown[] = [];
    guest.setListenerErrorReporter((err) => reported.push(err));
    const t = new guest.EventTarget();
    const log: string[] = [];
    const boom = new Error('boom');
    t.addEventListener('x', () => {
      throw boom;
    });
    t.addEventListener('x', { handleEvent: 5 } as never);
    t.addEventListener('x', () => log.push('after'));
    assert.equal(t.dispatchEvent(new guest.Event('x')), true);
    assert.deepEqual(log, ['after']);
    assert.equal(reported[0], boom);
    assert.ok(reported[1] instanceof TypeError);
    assert.equal(reported.length, 2);
  });

  it('AbortSignal.timeout uses the injected timer and aborts with a TimeoutError', () => {
    const timers: Array<{ fn: () => void; ms: number }> = [];
    guest.setTimerHooks({ setTimeout: (fn, ms) => timers.push({ fn, ms }) });
    const s = guest.AbortSignal.timeout(250.7);
    assert.equal(timers.length, 1);
    assert.equal(timers[0]?.ms, 250);
    assert.equal(s.aborted, false);
    let fired = 0;
    s.onabort = () => fired++;
    timers[0]?.fn();
    assert.equal(s.aborted, true);
    assert.equal(fired, 1);
    const reason = s.reason as GuestDOMException;
    assert.ok(reason instanceof GuestDOMException);
    assert.equal(reason.name, 'TimeoutError');
    assert.equal(reason.code, 23);
    assert.equal(new globalThis.DOMException('', 'TimeoutError').code, 23);
  });

  it('addAbortAlgorithm runs before the abort event and can be unregistered', () => {
    const ac = new guest.AbortController();
    const log: string[] = [];
    guest.addAbortAlgorithm(ac.signal, () => log.push('algorithm'));
    const off = guest.addAbortAlgorithm(ac.signal, () => log.push('removed'));
    off();
    ac.signal.addEventListener('abort', () => log.push('event'));
    ac.abort();
    assert.deepEqual(log, ['algorithm', 'event']);
    let late = false;
    guest.addAbortAlgorithm(ac.signal, () => (late = true));
    assert.equal(late, false);
  });
});
