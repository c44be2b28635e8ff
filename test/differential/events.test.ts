// Differential tests: guest Event/EventTarget/AbortController/AbortSignal/CustomEvent/DOMException
// against Node's globals, plus the guest-only hooks.
import { afterEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as guest from '../../src/runtime/guest/events.ts';
import { DOMException as GuestDOMException } from '../../src/runtime/guest/dom-exception.ts';

interface Impl {
  Event: typeof globalThis.Event;
  CustomEvent: typeof globalThis.CustomEvent;
  EventTarget: typeof globalThis.EventTarget;
  AbortController: typeof globalThis.AbortController;
  AbortSignal: typeof globalThis.AbortSignal;
  DOMException: typeof globalThis.DOMException;
}

const GUEST = { ...guest, DOMException: GuestDOMException } as unknown as Impl;
const NODE: Impl = {
  Event: globalThis.Event,
  CustomEvent: globalThis.CustomEvent,
  EventTarget: globalThis.EventTarget,
  AbortController: globalThis.AbortController,
  AbortSignal: globalThis.AbortSignal,
  DOMException: globalThis.DOMException,
};

function describeError(err: unknown): unknown {
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code;
    return { threw: err.name, code: typeof code === 'number' ? code : undefined };
  }
  return { thrownValue: err };
}

function outcome(fn: () => unknown): unknown {
  try {
    return { value: fn() };
  } catch (err) {
    return describeError(err);
  }
}

/** Runs the same scenario with both implementations and compares the results. */
function same(scenario: (impl: Impl) => unknown): void {
  assert.deepEqual(outcome(() => scenario(GUEST)), outcome(() => scenario(NODE)));
}

function eventState(e: Event): unknown {
  return {
    type: e.type,
    bubbles: e.bubbles,
    cancelable: e.cancelable,
    composed: e.composed,
    defaultPrevented: e.defaultPrevented,
    returnValue: e.returnValue,
    cancelBubble: e.cancelBubble,
    eventPhase: e.eventPhase,
    isTrusted: e.isTrusted,
    hasTarget: e.target !== null,
    hasCurrentTarget: e.currentTarget !== null,
    timeStampType: typeof e.timeStamp,
  };
}

afterEach(() => {
  guest.setListenerErrorReporter((err) => {
    throw new Error(`unexpected listener error: ${String(err)}`);
  });
});

describe('Event (differential against Node)', () => {
  it('has the same defaults, init handling and constants', () => {
    same(({ Event }) => eventState(new Event('x')));
    same(({ Event }) => eventState(new Event('x', { bubbles: true, cancelable: 1 as never, composed: 'y' as never })));
    same(({ Event }) => eventState(new Event(5 as never, null as never)));
    same(({ Event }) => new Event('x', 5 as never).type);
    same(({ Event }) => new (Event as unknown as new () => Event)().type);
    same(({ Event }) => {
      const E = Event as unknown as Record<string, number>;
      return [E.NONE, E.CAPTURING_PHASE, E.AT_TARGET, E.BUBBLING_PHASE];
    });
    same(({ Event }) => Object.prototype.toString.call(new Event('x')));
    same(({ Event }) => (Event as unknown as () => void)());
  });

  it('preventDefault / returnValue / cancelBubble behave the same', () => {
    same(({ Event }) => {
      const a = new Event('x');
      a.preventDefault();
      const b = new Event('x', { cancelable: true });
      b.preventDefault();
      const c = new Event('x', { cancelable: true });
      c.cancelBubble = false;
      const d = new Event('x');
      d.cancelBubble = true;
      const e = new Event('x');
      e.stopPropagation();
      return [a, b, c, d, e].map(eventState);
    });
  });
});

describe('EventTarget (differential against Node)', () => {
  it('dispatches to listeners in order with the right this, target and phase', () => {
    same(({ Event, EventTarget }) => {
      const t = new EventTarget();
      const log: unknown[] = [];
      t.addEventListener('x', function (this: unknown, e) {
        log.push(['fn', this === t, e.target === t, e.currentTarget === t, e.eventPhase, e.composedPath().length === 1]);
      });
      const obj = {
        handleEvent(this: unknown, e: Event) {
          log.push(['obj', this === obj, e.type]);
        },
      };
      t.addEventListener('x', obj);
      t.addEventListener('y', () => log.push('other type'));
      const e = new Event('x');
      const result = t.dispatchEvent(e);
      log.push(['after', result, e.target === t, e.currentTarget, e.eventPhase, e.composedPath().length]);
      return log;
    });
  });

  it('deduplicates (type, callback, capture) and removes by capture', () => {
    same(({ Event, EventTarget }) => {
      const t = new EventTarget();
      const log: string[] = [];
      const f = (): number => log.push('f');
      t.addEventListener('x', f);
      t.addEventListener('x', f);
      t.addEventListener('x', f, true);
      t.addEventListener('x', f, { capture: true });
      t.dispatchEvent(new Event('x'));
      t.removeEventListener('x', f, { capture: true });
      t.dispatchEvent(new Event('x'));
      t.removeEventListener('x', f, { capture: false });
      t.dispatchEvent(new Event('x'));
      return log;
    });
  });

  it('honours once, and listeners added or removed during dispatch', () => {
    same(({ Event, EventTarget }) => {
      const t = new EventTarget();
      const log: string[] = [];
      const late = (): number => log.push('late');
      const removed = (): number => log.push('removed');
      t.addEventListener('x', () => log.push('once'), { once: true });
      t.addEventListener('x', () => {
        log.push('first');
        t.removeEventListener('x', removed);
      });
      t.addEventListener('x', late);
      t.addEventListener('x', removed);
      t.dispatchEvent(new Event('x'));
      t.dispatchEvent(new Event('x'));
      return log;
    });
  });

  it('stopImmediatePropagation skips the remaining listeners', () => {
    same(({ Event, EventTarget }) => {
      const t = new EventTarget();
      const log: string[] = [];
      t.addEventListener('x', (e) => {
        log.push('a');
        e.stopImmediatePropagation();
      });
      t.addEventListener('x', () => log.push('b'));
      const e = new Event('x');
      t.dispatchEvent(e);
      t.dispatchEvent(new Event('x'));
      return [log, e.defaultPrevented, e.eventPhase];
    });
  });

  it('returns !defaultPrevented', () => {
    same(({ Event, EventTarget }) => {
      const t = new EventTarget();
      t.addEventListener('cancel', (e) => e.preventDefault());
      return [
        t.dispatchEvent(new Event('cancel', { cancelable: true })),
        t.dispatchEvent(new Event('cancel')),
        t.dispatchEvent(new Event('none', { cancelable: true })),
      ];
    });
  });

  it('rejects re-dispatching an event that is being dispatched, allows it afterwards', () => {
    same(({ Event, EventTarget }) => {
      const t = new EventTarget();
      const log: unknown[] = [];
      t.addEventListener('x', (e) => {
        try {
          t.dispatchEvent(e);
          log.push('no error');
        } catch (err) {
          log.push(err instanceof Error);
        }
      });
      const e = new Event('x');
      t.dispatchEvent(e);
      log.push(t.dispatchEvent(e));
      return log;
    });
  });

  it('supports the signal option', () => {
    same(({ AbortController, Event, EventTarget }) => {
      const t = new EventTarget();
      const log: string[] = [];
      const ac = new AbortController();
      t.addEventListener('x', () => log.push('with signal'), { signal: ac.signal });
      t.dispatchEvent(new Event('x'));
      ac.abort();
      t.dispatchEvent(new Event('x'));
      t.addEventListener('x', () => log.push('already aborted'), { signal: ac.signal });
      t.dispatchEvent(new Event('x'));
      return log;
    });
  });

  it('validates arguments like Node', () => {
    same(({ EventTarget }) => outcome(() => new EventTarget().addEventListener('x', 'str' as never)));
    same(({ EventTarget }) => outcome(() => (new EventTarget().addEventListener as (t: string) => void)('x')));
    same(({ EventTarget }) => outcome(() => new EventTarget().addEventListener('x', null as never)));
    same(({ EventTarget }) => outcome(() => new EventTarget().dispatchEvent({ type: 'x' } as never)));
    same(({ EventTarget }) => Object.prototype.toString.call(new EventTarget()));
  });
});

describe('AbortController / AbortSignal (differential against Node)', () => {
  it('aborts once with a default AbortError DOMException and fires one trusted event', () => {
    same(({ AbortController, DOMException }) => {
      const ac = new AbortController();
      const log: unknown[] = [ac.signal.aborted, ac.signal.reason];
      ac.signal.onabort = (e) => log.push(['onabort', e.type, e.isTrusted, e.target === ac.signal]);
      ac.signal.addEventListener('abort', (e) => log.push(['listener', e.isTrusted, e.target === ac.signal]));
      ac.abort();
      ac.abort('second');
      const reason = ac.signal.reason as Error;
      log.push(ac.signal.aborted, reason instanceof DOMException, reason.name, (reason as DOMException).code);
      log.push(outcome(() => ac.signal.throwIfAborted()));
      return log;
    });
  });

  it('keeps custom reasons, including falsy ones', () => {
    for (const reason of ['why', 0, null, false, { custom: true }]) {
      same(({ AbortController, AbortSignal }) => {
        const ac = new AbortController();
        ac.abort(reason);
        return [ac.signal.reason, AbortSignal.abort(reason).reason, outcome(() => ac.signal.throwIfAborted())];
      });
    }
  });

  it('AbortSignal.abort() is already aborted, and AbortSignal cannot be constructed', () => {
    same(({ AbortSignal }) => {
      const s = AbortSignal.abort();
      return [s.aborted, (s.reason as Error).name, (s.reason as DOMException).code];
    });
    same(({ AbortSignal }) => new (AbortSignal as unknown as new () => AbortSignal)());
    same(({ AbortSignal, EventTarget }) => [AbortSignal.abort() instanceof EventTarget, Object.prototype.toString.call(AbortSignal.abort())]);
    same(({ AbortController }) => Object.prototype.toString.call(new AbortController()));
  });

  it('onabort can be replaced and cleared', () => {
    same(({ AbortController }) => {
      const ac = new AbortController();
      const log: string[] = [];
      ac.signal.onabort = () => log.push('first');
      ac.signal.onabort = () => log.push('second');
      const keep = ac.signal.onabort;
      ac.signal.onabort = null;
      ac.signal.onabort = keep;
      ac.abort();
      return [log, typeof ac.signal.onabort];
    });
  });

  it('AbortSignal.any follows its sources, flattening dependent signals', () => {
    same(({ AbortController, AbortSignal }) => {
      const a = new AbortController();
      const b = new AbortController();
      const any1 = AbortSignal.any([a.signal, b.signal]);
      const any2 = AbortSignal.any([any1]);
      const log: unknown[] = [];
      a.signal.addEventListener('abort', () => log.push(['a', a.signal.reason]));
      any1.addEventListener('abort', () => log.push(['any1', any1.reason]));
      any2.addEventListener('abort', () => log.push(['any2', any2.reason]));
      b.abort('b-reason');
      a.abort('a-reason');
      return log;
    });
    same(({ AbortController, AbortSignal }) => {
      const a = new AbortController();
      a.abort('early');
      const s = AbortSignal.any([new AbortController().signal, a.signal, AbortSignal.abort('later')]);
      return [s.aborted, s.reason];
    });
    same(({ AbortSignal }) => {
      const s = AbortSignal.any([]);
      return s.aborted;
    });
    same(({ AbortSignal }) => outcome(() => AbortSignal.any([{} as AbortSignal])));
    same(({ AbortSignal }) => outcome(() => AbortSignal.any(5 as never)));
  });

  it('AbortSignal.timeout returns a pending signal and requires an argument like Node', () => {
    same(({ AbortSignal }) => {
      const s = AbortSignal.timeout(60_000);
      return [s.aborted, s.reason, Object.prototype.toString.call(s)];
    });
    same(({ AbortSignal }) => outcome(() => (AbortSignal.timeout as unknown as () => void)()) !== null);
  });

  it('CustomEvent carries detail (null by default)', () => {
    same(({ CustomEvent }) => [new CustomEvent('x').detail, new CustomEvent('x', { detail: { a: 1 } }).detail, new CustomEvent('x', { detail: undefined }).detail]);
    same(({ CustomEvent, Event }) => [new CustomEvent('x') instanceof Event, Object.prototype.toString.call(new CustomEvent('x')), eventState(new CustomEvent('x', { cancelable: true }))]);
  });
});

describe('DOMException (differential against Node)', () => {
  const names = [
    'IndexSizeError', 'HierarchyRequestError', 'WrongDocumentError', 'InvalidCharacterError', 'NoModificationAllowedError',
    'NotFoundError', 'NotSupportedError', 'InvalidStateError', 'SyntaxError', 'InvalidModificationError', 'NamespaceError',
    'InvalidAccessError', 'TypeMismatchError', 'SecurityError', 'NetworkError', 'AbortError', 'URLMismatchError',
    'QuotaExceededError', 'TimeoutError', 'InvalidNodeTypeError', 'DataCloneError', 'EncodingError', 'NotReadableError',
    'Error', 'toString', 'constructor', '__proto__', 'hasOwnProperty', '',
  ];

  it('maps names to legacy codes and keeps name/message', () => {
    for (const name of names) {
      same(({ DOMException }) => {
        const e = new DOMException('msg', name);
        return [e.name, e.message, e.code, String(e), e instanceof Error, Object.prototype.toString.call(e)];
      });
    }
    same(({ DOMException }) => {
      const e = new DOMException();
      return [e.name, e.message, e.code, Object.keys(e), e.stack?.split('\n')[0]];
    });
    same(({ DOMException }) => {
      const e = new DOMException(undefined, undefined);
      return [e.name, e.message];
    });
    same(({ DOMException }) => {
      const e = new DOMException(42 as never, 'AbortError');
      return [e.message, e.stack?.split('\n')[0]];
    });
  });

  it('exposes the same constants on the constructor and prototype', () => {
    same(({ DOMException }) => {
      const keys = Object.keys(DOMException).filter((k) => /_ERR$/.test(k));
      return [keys, keys.map((k) => (DOMException as unknown as Record<string, number>)[k]), keys.map((k) => (DOMException.prototype as unknown as Record<string, number>)[k])];
    });
    same(({ DOMException }) => Object.getOwnPropertyDescriptor(DOMException, 'ABORT_ERR'));
  });

  it('accepts an options object with name and cause', () => {
    same(({ DOMException }) => {
      const e = new DOMException('m', { name: 'AbortError', cause: 'c' } as never);
      return [e.name, e.code, (e as Error & { cause?: unknown }).cause];
    });
  });
});

describe('where Node 20 deviates from the DOM standard (checked against the spec)', () => {
  it('phase constants are also on Event.prototype', () => {
    assert.equal(new guest.Event('x').AT_TARGET, 2);
    assert.equal(guest.Event.prototype.BUBBLING_PHASE, 3);
  });

  it('returnValue = false cancels a cancelable event', () => {
    const e = new guest.Event('x', { cancelable: true });
    e.returnValue = false;
    assert.equal(e.defaultPrevented, true);
    const n = new guest.Event('x');
    n.returnValue = false;
    assert.equal(n.defaultPrevented, false);
  });

  it('preventDefault in a passive listener does nothing', () => {
    const t = new guest.EventTarget();
    t.addEventListener('x', (e) => e.preventDefault(), { passive: true });
    const e = new guest.Event('x', { cancelable: true });
    assert.equal(t.dispatchEvent(e), true);
    assert.equal(e.defaultPrevented, false);
  });

  it('removeEventListener with a boolean capture removes the capture listener', () => {
    const t = new guest.EventTarget();
    let calls = 0;
    const f = (): void => {
      calls++;
    };
    t.addEventListener('x', f, true);
    t.removeEventListener('x', f, true);
    t.dispatchEvent(new guest.Event('x'));
    assert.equal(calls, 0);
  });

  it('a duplicate registration differing only in once is ignored', () => {
    const t = new guest.EventTarget();
    let calls = 0;
    const f = (): void => {
      calls++;
    };
    t.addEventListener('x', f);
    t.addEventListener('x', f, { once: true });
    t.dispatchEvent(new guest.Event('x'));
    t.dispatchEvent(new guest.Event('x'));
    assert.equal(calls, 2);
  });

  it('listeners added during dispatch run from the next dispatch on', () => {
    const t = new guest.EventTarget();
    const log: string[] = [];
    t.addEventListener('x', () => {
      log.push('first');
      t.addEventListener('x', () => log.push('late'));
    });
    t.dispatchEvent(new guest.Event('x'));
    assert.deepEqual(log, ['first']);
    t.dispatchEvent(new guest.Event('x'));
    assert.deepEqual(log, ['first', 'first', 'late']);
  });

  it('propagation flags are cleared and eventPhase is AT_TARGET during dispatch', () => {
    const t = new guest.EventTarget();
    const phases: number[] = [];
    t.addEventListener('x', (e) => {
      phases.push(e.eventPhase);
      e.stopImmediatePropagation();
    });
    const e = new guest.Event('x');
    t.dispatchEvent(e);
    assert.deepEqual(phases, [2]);
    assert.equal(e.cancelBubble, false);
    assert.equal(e.eventPhase, 0);
    const ac = new guest.AbortController();
    ac.signal.addEventListener('abort', (ev) => phases.push(ev.eventPhase));
    ac.abort();
    assert.deepEqual(phases, [2, 2]);
  });

  it('re-dispatching during dispatch throws an InvalidStateError DOMException', () => {
    const t = new guest.EventTarget();
    const errors: unknown[] = [];
    t.addEventListener('x', (e) => {
      try {
        t.dispatchEvent(e);
      } catch (err) {
        errors.push(err);
      }
    });
    t.dispatchEvent(new guest.Event('x'));
    const err = errors[0] as GuestDOMException;
    assert.ok(err instanceof GuestDOMException);
    assert.equal(err.name, 'InvalidStateError');
    assert.equal(err.code, 11);
  });

  it('AbortSignal.any marks every dependent aborted before any abort event fires', () => {
    const a = new guest.AbortController();
    const any1 = guest.AbortSignal.any([a.signal]);
    const any2 = guest.AbortSignal.any([any1]);
    const seen: boolean[] = [];
    a.signal.addEventListener('abort', () => seen.push(any1.aborted, any2.aborted));
    a.abort();
    assert.deepEqual(seen, [true, true]);
  });

  it('AbortSignal.timeout converts like WebIDL [EnforceRange] unsigned long long', () => {
    guest.setTimerHooks({ setTimeout: () => 0 });
    for (const bad of [-1, NaN, Infinity, -Infinity, 2 ** 53]) {
      assert.throws(() => guest.AbortSignal.timeout(bad), TypeError, String(bad));
    }
    for (const ok of ['10' as never, 1.9, 0, 2 ** 53 - 1]) {
      assert.equal(guest.AbortSignal.timeout(ok).aborted, false);
    }
  });
});

describe('guest-only behaviour', () => {
  it('runs capture listeners before non-capture ones at the target (DOM standard; Node keeps registration order)', () => {
    const t = new guest.EventTarget();
    const log: string[] = [];
    t.addEventListener('x', () => log.push('bubble'));
    t.addEventListener('x', () => log.push('capture'), true);
    t.dispatchEvent(new guest.Event('x'));
    assert.deepEqual(log, ['capture', 'bubble']);
  });

  it('isTrusted is an own unforgeable accessor; markTrusted sets it', () => {
    const e = new guest.Event('x');
    const desc = Object.getOwnPropertyDescriptor(e, 'isTrusted');
    assert.equal(typeof desc?.get, 'function');
    assert.equal(desc?.configurable, false);
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

  it('handleEvent is looked up at dispatch time', () => {
    const t = new guest.EventTarget();
    const log: string[] = [];
    const obj: { handleEvent?: () => void } = {};
    t.addEventListener('x', obj as never);
    obj.handleEvent = () => log.push('late-bound');
    t.dispatchEvent(new guest.Event('x'));
    assert.deepEqual(log, ['late-bound']);
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

  it('AbortSignal.any dependents fire after their source, in order', () => {
    const a = new guest.AbortController();
    const dep = guest.AbortSignal.any([a.signal]);
    const log: string[] = [];
    dep.addEventListener('abort', () => log.push('dep'));
    a.signal.addEventListener('abort', () => log.push('source'));
    a.abort();
    assert.deepEqual(log, ['source', 'dep']);
    assert.equal(dep.reason, a.signal.reason);
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

  it('initEvent and initCustomEvent re-initialise outside dispatch', () => {
    const e = new guest.CustomEvent('a', { detail: 1 });
    e.initCustomEvent('b', true, true, 2);
    assert.deepEqual([e.type, e.bubbles, e.cancelable, e.detail], ['b', true, true, 2]);
    const t = new guest.EventTarget();
    t.addEventListener('b', (ev) => (ev as guest.Event).initEvent('c'));
    t.dispatchEvent(e);
    assert.equal(e.type, 'b');
  });
});
