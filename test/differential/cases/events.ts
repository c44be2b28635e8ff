// Cases of the Event/EventTarget/AbortController/AbortSignal/CustomEvent/DOMException differential
// suite (see ./outcome.ts), and of the DOM standard where Node deviates from it.
import { attempt, defineSuite } from './outcome.ts';

export interface Impl {
  Event: typeof globalThis.Event;
  CustomEvent: typeof globalThis.CustomEvent;
  EventTarget: typeof globalThis.EventTarget;
  AbortController: typeof globalThis.AbortController;
  AbortSignal: typeof globalThis.AbortSignal;
  DOMException: typeof globalThis.DOMException;
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

const DOM_EXCEPTION_NAMES = [
  'IndexSizeError', 'HierarchyRequestError', 'WrongDocumentError', 'InvalidCharacterError', 'NoModificationAllowedError',
  'NotFoundError', 'NotSupportedError', 'InvalidStateError', 'SyntaxError', 'InvalidModificationError', 'NamespaceError',
  'InvalidAccessError', 'TypeMismatchError', 'SecurityError', 'NetworkError', 'AbortError', 'URLMismatchError',
  'QuotaExceededError', 'TimeoutError', 'InvalidNodeTypeError', 'DataCloneError', 'EncodingError', 'NotReadableError',
  'Error', 'toString', 'constructor', '__proto__', 'hasOwnProperty', '',
];

export const suite = defineSuite<Impl>((group) => {
  group('Event has the same defaults, init handling and constants', (g) => {
    g.same('defaults', ({ Event }) => eventState(new Event('x')));
    g.same('truthy init', ({ Event }) => eventState(new Event('x', { bubbles: true, cancelable: 1 as never, composed: 'y' as never })));
    g.same('non-string type, null init', ({ Event }) => eventState(new Event(5 as never, null as never)));
    g.same('number init', ({ Event }) => new Event('x', 5 as never).type);
    g.same('no type', ({ Event }) => new (Event as unknown as new () => Event)().type);
    g.same('phase constants', ({ Event }) => {
      const E = Event as unknown as Record<string, number>;
      return [E.NONE, E.CAPTURING_PHASE, E.AT_TARGET, E.BUBBLING_PHASE];
    });
    g.same('string tag', ({ Event }) => Object.prototype.toString.call(new Event('x')));
    g.same('calling without new', ({ Event }) => (Event as unknown as () => void)());
  });

  group('Event: preventDefault / returnValue / cancelBubble behave the same', (g) => {
    g.same('flags', ({ Event }) => {
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

  group('EventTarget dispatches to listeners in order with the right this, target and phase', (g) => {
    g.same('function and object listeners', ({ Event, EventTarget }) => {
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

  group('EventTarget deduplicates (type, callback, capture) and removes by capture', (g) => {
    g.same('registrations', ({ Event, EventTarget }) => {
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

  group('EventTarget honours once, and listeners added or removed during dispatch', (g) => {
    g.same('once and removal', ({ Event, EventTarget }) => {
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

  group('EventTarget: stopImmediatePropagation skips the remaining listeners', (g) => {
    g.same('stop', ({ Event, EventTarget }) => {
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

  group('EventTarget: dispatchEvent returns !defaultPrevented', (g) => {
    g.same('results', ({ Event, EventTarget }) => {
      const t = new EventTarget();
      t.addEventListener('cancel', (e) => e.preventDefault());
      return [
        t.dispatchEvent(new Event('cancel', { cancelable: true })),
        t.dispatchEvent(new Event('cancel')),
        t.dispatchEvent(new Event('none', { cancelable: true })),
      ];
    });
  });

  group('EventTarget rejects re-dispatching an event that is being dispatched, allows it afterwards', (g) => {
    g.same('re-dispatch', ({ Event, EventTarget }) => {
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

  group('EventTarget supports the signal option', (g) => {
    g.same('signal', ({ AbortController, Event, EventTarget }) => {
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

  group('EventTarget validates arguments like Node', (g) => {
    g.same('a string listener', ({ EventTarget }) => attempt(() => new EventTarget().addEventListener('x', 'str' as never)));
    g.same('no listener', ({ EventTarget }) => attempt(() => (new EventTarget().addEventListener as (t: string) => void)('x')));
    g.same('a null listener', ({ EventTarget }) => attempt(() => new EventTarget().addEventListener('x', null as never)));
    g.same('dispatching a non-event', ({ EventTarget }) => attempt(() => new EventTarget().dispatchEvent({ type: 'x' } as never)));
    g.same('string tag', ({ EventTarget }) => Object.prototype.toString.call(new EventTarget()));
  });

  group('AbortController aborts once with a default AbortError DOMException and fires one trusted event', (g) => {
    g.same('abort twice', ({ AbortController, DOMException }) => {
      const ac = new AbortController();
      const log: unknown[] = [ac.signal.aborted, ac.signal.reason];
      ac.signal.onabort = (e) => log.push(['onabort', e.type, e.isTrusted, e.target === ac.signal]);
      ac.signal.addEventListener('abort', (e) => log.push(['listener', e.isTrusted, e.target === ac.signal]));
      ac.abort();
      ac.abort('second');
      const reason = ac.signal.reason as Error;
      log.push(ac.signal.aborted, reason instanceof DOMException, reason.name, (reason as DOMException).code);
      log.push(attempt(() => ac.signal.throwIfAborted()));
      return log;
    });
  });

  group('AbortController keeps custom reasons, including falsy ones', (g) => {
    for (const reason of ['why', 0, null, false, { custom: true }]) {
      g.same(JSON.stringify(reason), ({ AbortController, AbortSignal }) => {
        const ac = new AbortController();
        ac.abort(reason);
        return [ac.signal.reason, AbortSignal.abort(reason).reason, attempt(() => ac.signal.throwIfAborted())];
      });
    }
  });

  group('AbortSignal.abort() is already aborted, and AbortSignal cannot be constructed', (g) => {
    g.same('abort()', ({ AbortSignal }) => {
      const s = AbortSignal.abort();
      return [s.aborted, (s.reason as Error).name, (s.reason as DOMException).code];
    });
    g.same('constructor', ({ AbortSignal }) => new (AbortSignal as unknown as new () => AbortSignal)());
    g.same('an EventTarget with a tag', ({ AbortSignal, EventTarget }) => [AbortSignal.abort() instanceof EventTarget, Object.prototype.toString.call(AbortSignal.abort())]);
    g.same('AbortController tag', ({ AbortController }) => Object.prototype.toString.call(new AbortController()));
  });

  group('AbortSignal: onabort can be replaced and cleared', (g) => {
    g.same('onabort', ({ AbortController }) => {
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

  group('AbortSignal.any follows its sources, flattening dependent signals', (g) => {
    g.same('nested', ({ AbortController, AbortSignal }) => {
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
    g.same('already aborted sources', ({ AbortController, AbortSignal }) => {
      const a = new AbortController();
      a.abort('early');
      const s = AbortSignal.any([new AbortController().signal, a.signal, AbortSignal.abort('later')]);
      return [s.aborted, s.reason];
    });
    g.same('no sources', ({ AbortSignal }) => AbortSignal.any([]).aborted);
    g.same('a non-signal', ({ AbortSignal }) => attempt(() => AbortSignal.any([{} as AbortSignal])));
    g.same('a non-sequence', ({ AbortSignal }) => attempt(() => AbortSignal.any(5 as never)));
  });

  group('AbortSignal.timeout returns a pending signal and requires an argument like Node', (g) => {
    g.same('pending', ({ AbortSignal }) => {
      const s = AbortSignal.timeout(60_000);
      return [s.aborted, s.reason, Object.prototype.toString.call(s)];
    });
    g.same('no argument', ({ AbortSignal }) => attempt(() => (AbortSignal.timeout as unknown as () => void)()) !== null);
  });

  group('CustomEvent carries detail (null by default)', (g) => {
    g.same('detail', ({ CustomEvent }) => [new CustomEvent('x').detail, new CustomEvent('x', { detail: { a: 1 } }).detail, new CustomEvent('x', { detail: undefined }).detail]);
    g.same('an Event', ({ CustomEvent, Event }) => [new CustomEvent('x') instanceof Event, Object.prototype.toString.call(new CustomEvent('x')), eventState(new CustomEvent('x', { cancelable: true }))]);
  });

  group('DOMException maps names to legacy codes and keeps name/message', (g) => {
    for (const name of DOM_EXCEPTION_NAMES) {
      g.same(JSON.stringify(name), ({ DOMException }) => {
        const e = new DOMException('msg', name);
        return [e.name, e.message, e.code, String(e), e instanceof Error, Object.prototype.toString.call(e)];
      });
    }
    g.same('no arguments', ({ DOMException }) => {
      const e = new DOMException();
      return [e.name, e.message, e.code, Object.keys(e), e.stack?.split('\n')[0]];
    });
    g.same('undefined arguments', ({ DOMException }) => {
      const e = new DOMException(undefined, undefined);
      return [e.name, e.message];
    });
    g.same('a number message', ({ DOMException }) => new DOMException(42 as never, 'AbortError').message);
    g.same('the stack header with a message', ({ DOMException }) => new DOMException(42 as never, 'AbortError').stack?.split('\n')[0]);
  });

  group('DOMException exposes the same constants on the constructor and prototype', (g) => {
    g.same('constants', ({ DOMException }) => {
      const keys = Object.keys(DOMException).filter((k) => /_ERR$/.test(k));
      return [keys, keys.map((k) => (DOMException as unknown as Record<string, number>)[k]), keys.map((k) => (DOMException.prototype as unknown as Record<string, number>)[k])];
    });
    g.same('a constant\'s descriptor', ({ DOMException }) => Object.getOwnPropertyDescriptor(DOMException, 'ABORT_ERR'));
  });

  group('DOMException accepts an options object with name and cause', (g) => {
    g.same('options', ({ DOMException }) => {
      const e = new DOMException('m', { name: 'AbortError', cause: 'c' } as never);
      return [e.name, e.code, (e as Error & { cause?: unknown }).cause];
    });
  });

  // Where Node 20 deviates from the DOM standard: checked against the spec, not Node.
  group('spec, not Node: Event', (g) => {
    g.expect('phase constants are also on Event.prototype', ({ Event }) => {
      const phases = (e: object): Record<string, number> => e as Record<string, number>;
      return [phases(new Event('x')).AT_TARGET, phases(Event.prototype).BUBBLING_PHASE];
    }, [2, 3]);
    g.expect('returnValue = false cancels a cancelable event', ({ Event }) => {
      const e = new Event('x', { cancelable: true });
      e.returnValue = false;
      const n = new Event('x');
      n.returnValue = false;
      return [e.defaultPrevented, n.defaultPrevented];
    }, [true, false]);
    g.expect('preventDefault in a passive listener does nothing', ({ Event, EventTarget }) => {
      const t = new EventTarget();
      t.addEventListener('x', (e) => e.preventDefault(), { passive: true });
      const e = new Event('x', { cancelable: true });
      return [t.dispatchEvent(e), e.defaultPrevented];
    }, [true, false]);
  });

  group('spec, not Node: EventTarget', (g) => {
    g.expect('removeEventListener with a boolean capture removes the capture listener', ({ Event, EventTarget }) => {
      const t = new EventTarget();
      let calls = 0;
      const f = (): void => {
        calls++;
      };
      t.addEventListener('x', f, true);
      t.removeEventListener('x', f, true);
      t.dispatchEvent(new Event('x'));
      return calls;
    }, 0);
    g.expect('a duplicate registration differing only in once is ignored', ({ Event, EventTarget }) => {
      const t = new EventTarget();
      let calls = 0;
      const f = (): void => {
        calls++;
      };
      t.addEventListener('x', f);
      t.addEventListener('x', f, { once: true });
      t.dispatchEvent(new Event('x'));
      t.dispatchEvent(new Event('x'));
      return calls;
    }, 2);
    g.expect('listeners added during dispatch run from the next dispatch on', ({ Event, EventTarget }) => {
      const t = new EventTarget();
      const log: string[] = [];
      t.addEventListener('x', () => {
        log.push('first');
        t.addEventListener('x', () => log.push('late'));
      });
      t.dispatchEvent(new Event('x'));
      const once = [...log];
      t.dispatchEvent(new Event('x'));
      return [once, log];
    }, [['first'], ['first', 'first', 'late']]);
    g.expect('propagation flags are cleared and eventPhase is AT_TARGET during dispatch', ({ AbortController, Event, EventTarget }) => {
      const t = new EventTarget();
      const phases: number[] = [];
      t.addEventListener('x', (e) => {
        phases.push(e.eventPhase);
        e.stopImmediatePropagation();
      });
      const e = new Event('x');
      t.dispatchEvent(e);
      const after = [[...phases], e.cancelBubble, e.eventPhase];
      const ac = new AbortController();
      ac.signal.addEventListener('abort', (ev) => phases.push(ev.eventPhase));
      ac.abort();
      return [after, phases];
    }, [[[2], false, 0], [2, 2]]);
    g.expect('re-dispatching during dispatch throws an InvalidStateError DOMException', ({ DOMException, Event, EventTarget }) => {
      const t = new EventTarget();
      const errors: unknown[] = [];
      t.addEventListener('x', (e) => {
        try {
          t.dispatchEvent(e);
        } catch (err) {
          errors.push(err);
        }
      });
      t.dispatchEvent(new Event('x'));
      return [errors, errors[0] instanceof DOMException];
    }, [[new DOMException('', 'InvalidStateError')], true]);
  });

  group('spec, not Node: AbortSignal', (g) => {
    g.expect('AbortSignal.any marks every dependent aborted before any abort event fires', ({ AbortController, AbortSignal }) => {
      const a = new AbortController();
      const any1 = AbortSignal.any([a.signal]);
      const any2 = AbortSignal.any([any1]);
      const seen: boolean[] = [];
      a.signal.addEventListener('abort', () => seen.push(any1.aborted, any2.aborted));
      a.abort();
      return seen;
    }, [true, true]);
    for (const bad of [-1, NaN, Infinity, -Infinity, 2 ** 53]) {
      g.expect(`AbortSignal.timeout(${bad}) throws ([EnforceRange] unsigned long long)`, ({ AbortSignal }) => attempt(() => AbortSignal.timeout(bad)), { threw: new TypeError() });
    }
    for (const ok of ['10', 1.9, 0, 2 ** 53 - 1]) {
      g.expect(`AbortSignal.timeout(${JSON.stringify(ok)}) is pending`, ({ AbortSignal }) => AbortSignal.timeout(ok as never).aborted, false);
    }
  });

  // The guest's own choices, where Node differs or says nothing.
  group('guest: dispatch', (g) => {
    g.expect('capture listeners run before non-capture ones at the target (DOM standard; Node keeps registration order)', ({ Event, EventTarget }) => {
      const t = new EventTarget();
      const log: string[] = [];
      t.addEventListener('x', () => log.push('bubble'));
      t.addEventListener('x', () => log.push('capture'), true);
      t.dispatchEvent(new Event('x'));
      return log;
    }, ['capture', 'bubble']);
    g.expect('isTrusted is an own unforgeable accessor', ({ Event }) => {
      const e = new Event('x');
      const desc = Object.getOwnPropertyDescriptor(e, 'isTrusted');
      return [typeof desc?.get, desc?.configurable, e.isTrusted];
    }, ['function', false, false]);
    g.expect('handleEvent is looked up at dispatch time', ({ Event, EventTarget }) => {
      const t = new EventTarget();
      const log: string[] = [];
      const obj: { handleEvent?: () => void } = {};
      t.addEventListener('x', obj as never);
      obj.handleEvent = () => log.push('late-bound');
      t.dispatchEvent(new Event('x'));
      return log;
    }, ['late-bound']);
    g.expect('AbortSignal.any dependents fire after their source, in order', ({ AbortController, AbortSignal }) => {
      const a = new AbortController();
      const dep = AbortSignal.any([a.signal]);
      const log: string[] = [];
      dep.addEventListener('abort', () => log.push('dep'));
      a.signal.addEventListener('abort', () => log.push('source'));
      a.abort();
      return [log, dep.reason === a.signal.reason];
    }, [['source', 'dep'], true]);
    g.expect('initEvent and initCustomEvent re-initialise outside dispatch', ({ CustomEvent, EventTarget }) => {
      const e = new CustomEvent('a', { detail: 1 });
      (e as unknown as { initCustomEvent(type: string, bubbles: boolean, cancelable: boolean, detail: unknown): void }).initCustomEvent('b', true, true, 2);
      const state = [e.type, e.bubbles, e.cancelable, e.detail];
      const t = new EventTarget();
      t.addEventListener('b', (ev) => ev.initEvent('c'));
      t.dispatchEvent(e);
      return [state, e.type];
    }, [['b', true, true, 2], 'b']);
  });
});
