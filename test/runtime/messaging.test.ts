/**
 * structuredClone (with transfer) and channel messaging, inside a real isolate: what HTML's
 * structured clone keeps, what it refuses with a DataCloneError, that a transferred ArrayBuffer is
 * detached only once the whole value serialised, and that MessageChannel delivers clones as
 * tasks, in order, after start().
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { newRuntime, run, sw } from '../helpers/runtime.ts';

describe('structuredClone and MessageChannel (in the isolate)', () => {
  const runtime = newRuntime();
  after(() => runtime.close());

  async function json(body: string): Promise<unknown> {
    const answer = await run(runtime, sw(`const out = await (async () => { ${body} })(); return Response.json(out);`));
    assert.equal(answer.kind, 'response', `${answer.code ?? ''} ${answer.message ?? ''}`);
    return JSON.parse(answer.text) as unknown;
  }

  it('keeps types, identity and cycles', async () => {
    const out = await json(`
      const shared = { n: 1 };
      const o = { a: shared, b: shared, date: new Date(5), re: /x+/gi, big: 10n, boxed: new String('s'),
        map: new Map([[shared, 'v']]), set: new Set([1, 'two']), arr: [1, , 3], u8: new Uint8Array([1, 2, 3]),
        err: new RangeError('bad', { cause: 'why' }), neg: -0, nan: NaN, und: undefined };
      o.self = o;
      o.view = new DataView(o.u8.buffer, 1, 2);
      const c = structuredClone(o);
      return {
        distinct: c !== o, identity: c.a === c.b, cycle: c.self === c, date: c.date instanceof Date && c.date.getTime(),
        re: [c.re instanceof RegExp, c.re.source, c.re.flags], big: typeof c.big === 'bigint' && c.big.toString(),
        boxed: [typeof c.boxed, String(c.boxed)], mapKey: c.map.get(c.a), set: [...c.set], hole: 1 in c.arr, arrLen: c.arr.length,
        u8: [c.u8 instanceof Uint8Array, [...c.u8], c.u8.buffer !== o.u8.buffer], view: [c.view instanceof DataView, c.view.buffer === c.u8.buffer, c.view.byteOffset, c.view.getUint8(0)],
        err: [c.err instanceof RangeError, c.err.message, c.err.cause, Object.keys(c.err).length], neg: Object.is(c.neg, -0), nan: Number.isNaN(c.nan),
        und: 'und' in c && c.und === undefined, proto: Object.getPrototypeOf(structuredClone(new (class K { x = 1 })())) === Object.prototype,
        oddNames: ['constructor', '__proto__', 'toString', 'TypeError'].map((name) => { const e = structuredClone(Object.assign(new Error('odd'), { name })); return [e instanceof Error, e.constructor.name, e.message]; }),
      };`);
    assert.deepEqual(out, {
      distinct: true, identity: true, cycle: true, date: 5, re: [true, 'x+', 'gi'], big: '10', boxed: ['object', 's'],
      mapKey: 'v', set: [1, 'two'], hole: false, arrLen: 3, u8: [true, [1, 2, 3], true], view: [true, true, 1, 2],
      err: [true, 'bad', 'why', 0], neg: true, nan: true, und: true, proto: true,
      oddNames: [[true, 'Error', 'odd'], [true, 'Error', 'odd'], [true, 'Error', 'odd'], [true, 'TypeError', 'odd']],
    });
  });

  it('refuses what cannot be cloned with a DataCloneError, and defines keys instead of assigning them', async () => {
    const out = await json(`
      const refused = {};
      const cases = { fn: () => 1, sym: Symbol('s'), inObject: { f() {} }, weak: new WeakMap(), promise: Promise.resolve(),
        headers: new Headers(), request: new Request('https://example.com/'), symbolObject: Object(Symbol('x')) };
      for (const [name, value] of Object.entries(cases)) {
        try { structuredClone(value); refused[name] = 'cloned'; } catch (e) { refused[name] = e instanceof DOMException ? e.name + ':' + e.code : e.constructor.name; }
      }
      let setterRan = false;
      Object.defineProperty(Object.prototype, 'trap', { set() { setterRan = true; }, configurable: true });
      const c = structuredClone(JSON.parse('{"__proto__": {"polluted": true}, "trap": 1}'));
      delete Object.prototype.trap;
      let noArgs; try { structuredClone(); } catch (e) { noArgs = e.constructor.name; }
      return { refused, setterRan, protoIsOwn: Object.getPrototypeOf(c) === Object.prototype && c.__proto__ === undefined ? 'no' : Object.hasOwn(c, '__proto__'),
        polluted: ({}).polluted === undefined, trap: Object.getOwnPropertyDescriptor(c, 'trap')?.value, noArgs, length: structuredClone.length };`);
    const dce = 'DataCloneError:25';
    assert.deepEqual(out, {
      refused: { fn: dce, sym: dce, inObject: dce, weak: dce, promise: dce, headers: dce, request: dce, symbolObject: dce },
      setterRan: false, protoIsOwn: true, polluted: true, trap: 1, noArgs: 'TypeError', length: 1,
    });
  });

  it('clones Blob, File and DOMException as new objects with the same contents', async () => {
    const out = await json(`
      const f = structuredClone(new File(['hello'], 'a.txt', { type: 'text/plain', lastModified: 42 }));
      const b = structuredClone(new Blob(['xy'], { type: 'a/b' }));
      const d = structuredClone(new DOMException('m', 'NotFoundError'));
      return { file: [f instanceof File, f.name, f.type, f.lastModified, await f.text()], blob: [b instanceof Blob, b.type, await b.text()], dom: [d instanceof DOMException, d.name, d.message, d.code] };`);
    assert.deepEqual(out, { file: [true, 'a.txt', 'text/plain', 42, 'hello'], blob: [true, 'a/b', 'xy'], dom: [true, 'NotFoundError', 'm', 8] });
  });

  it('transfers ArrayBuffers: the original is detached, only after the whole value serialised', async () => {
    const out = await json(`
      const buf = new Uint8Array([7, 8, 9]).buffer;
      const c = structuredClone({ view: new Uint8Array(buf, 1), buf }, { transfer: [buf] });
      const moved = [buf.byteLength, buf.detached, c.buf.byteLength, [...c.view], c.view.buffer === c.buf];
      const keep = new ArrayBuffer(4);
      let failed; try { structuredClone({ keep, f() {} }, { transfer: [keep] }); } catch (e) { failed = e.name; }
      const errors = [];
      for (const [value, options] of [[keep, { transfer: [keep, keep] }], [buf, { transfer: [buf] }], [1, { transfer: [{}] }], [1, { transfer: 5 }]]) {
        try { structuredClone(value, options); errors.push('ok'); } catch (e) { errors.push(e.name); }
      }
      const viaIterator = new ArrayBuffer(2);
      structuredClone(null, { transfer: { *[Symbol.iterator]() { yield viaIterator; } } });
      const shrinking = new ArrayBuffer(8, { maxByteLength: 8 });
      const orphan = new Uint16Array(4);
      const views = [new Uint8Array(shrinking, 4, 4), new DataView(shrinking, 4, 4), orphan];
      shrinking.resize(2);
      structuredClone(null, { transfer: [orphan.buffer] });
      for (const view of views) {
        try { structuredClone(view); errors.push('cloned'); } catch (e) { errors.push(e.name); }
      }
      const resizable = new ArrayBuffer(2, { maxByteLength: 8 });
      const r = structuredClone(resizable);
      return { moved, failed, keptAfterFailure: keep.byteLength, errors, viaIterator: viaIterator.detached, resizable: [r.resizable, r.maxByteLength] };`);
    assert.deepEqual(out, {
      moved: [0, true, 3, [8, 9], true],
      failed: 'DataCloneError', keptAfterFailure: 4,
      errors: ['DataCloneError', 'DataCloneError', 'DataCloneError', 'TypeError', 'DataCloneError', 'DataCloneError', 'DataCloneError'],
      viaIterator: true, resizable: [true, 8],
    });
  });

  it('reads a detached buffer as no bytes (digest, TextDecoder), as WebIDL says', async () => {
    const out = await json(`
      const hex = (b) => [...new Uint8Array(b)].map((x) => x.toString(16).padStart(2, '0')).join('');
      const gone = new Uint8Array([1, 2, 3]).buffer;
      const oldView = new DataView(gone);
      const oldBytes = new Uint8Array(gone);
      structuredClone(gone, { transfer: [gone] });
      const empty = hex(await crypto.subtle.digest('SHA-256', new ArrayBuffer(0)));
      return { digest: hex(await crypto.subtle.digest('SHA-256', gone)) === empty, view: hex(await crypto.subtle.digest('SHA-256', oldView)) === empty, bytes: hex(await crypto.subtle.digest('SHA-256', oldBytes)) === empty,
        decoded: new TextDecoder().decode(gone), shared: await crypto.subtle.digest('SHA-256', new SharedArrayBuffer(4)).then(() => 'accepted', (e) => e.name) };`);
    assert.deepEqual(out, { digest: true, view: true, bytes: true, decoded: '', shared: 'TypeError' });
  });

  it('delivers messages as tasks, in order, once the port is started', async () => {
    const out = await json(`
      const { port1, port2 } = new MessageChannel();
      const got = [];
      const order = [];
      port2.addEventListener('message', (e) => got.push([e.constructor.name, e.data, e.isTrusted, e.ports.length, e.target === port2]));
      port1.postMessage('queued before start');
      port1.postMessage({ n: 2 });
      await new Promise((r) => setTimeout(r, 5));
      const beforeStart = got.length;
      port2.start();
      Promise.resolve().then(() => order.push('microtask'));
      port2.addEventListener('message', () => order.push('message'), { once: true });
      await new Promise((r) => setTimeout(r, 5));
      const sent = { deep: [1] };
      port1.postMessage(sent);
      sent.deep.push(2);
      await new Promise((r) => setTimeout(r, 5));
      return { beforeStart, got, order, clonedAtPost: got[2][1] };`);
    assert.deepEqual(out, {
      beforeStart: 0,
      got: [['MessageEvent', 'queued before start', true, 0, true], ['MessageEvent', { n: 2 }, true, 0, true], ['MessageEvent', { deep: [1] }, true, 0, true]],
      order: ['microtask', 'message'],
      clonedAtPost: { deep: [1] },
    });
  });

  it('moves buffers and ports with a message, and stops at close()', async () => {
    const out = await json(`
      const a = new MessageChannel();
      const b = new MessageChannel();
      const received = await new Promise((resolve) => {
        a.port2.onmessage = (e) => resolve(e);
        const buf = new ArrayBuffer(16);
        a.port1.postMessage({ buf }, [buf, b.port1]);
      });
      const movedPort = received.ports[0];
      const viaMoved = await new Promise((resolve) => { b.port2.onmessage = (e) => resolve(e.data); movedPort.postMessage('through the moved port'); });
      let samePort; try { a.port1.postMessage(1, [a.port1]); } catch (e) { samePort = e.name; }
      let again; try { a.port1.postMessage(1, [b.port1]); } catch (e) { again = e.name; }
      let delivered = 0;
      a.port2.onmessage = () => delivered++;
      a.port1.close();
      a.port1.postMessage('after close');
      await new Promise((r) => setTimeout(r, 5));
      let illegal; try { new MessagePort(); } catch (e) { illegal = e.constructor.name; }
      return { size: received.data.buf.byteLength, ports: received.ports.length, isPort: movedPort instanceof MessagePort, viaMoved, samePort, again, delivered, illegal,
        shape: [MessageChannel.name, MessagePort.length, MessageEvent.length, Object.prototype.toString.call(a), typeof MessagePort.prototype.transfer] };`);
    assert.deepEqual(out, {
      size: 16, ports: 1, isPort: true, viaMoved: 'through the moved port', samePort: 'DataCloneError', again: 'DataCloneError', delivered: 0,
      illegal: 'TypeError', shape: ['MessageChannel', 0, 1, '[object MessageChannel]', 'undefined'],
    });
  });

  it('counts a listener loop against the CPU limit of the execution that posted', async () => {
    const answer = await run(runtime, sw(`
      const { port1, port2 } = new MessageChannel();
      port2.onmessage = () => { const end = Date.now() + 5; while (Date.now() < end) {} port1.postMessage(null); };
      port1.postMessage(null);
      await new Promise(() => {});`));
    assert.equal(answer.code, 'FunctionRuntime.CpuTimeExceeded');
  });
});
