/**
 * The shape of the Web API globals as a function sees them, inside the built guest bundle in a
 * real isolate (WebIDL, "Interface object", "Interface prototype object", "Class string"): each
 * interface's `name` and `length` (its constructor's required arguments), the class string as a
 * data property of the prototype, and no host internals among the static members.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { newRuntime, run } from '../helpers/runtime.ts';
import type { Runtime } from '../../src/runtime/runtime.ts';

// Required constructor arguments, from each interface's IDL.
const lengths: Record<string, number> = {
  Headers: 0, Request: 1, Response: 0, FetchEvent: 2, URL: 1, URLSearchParams: 0, TextEncoder: 0, TextDecoder: 0,
  TextEncoderStream: 0, TextDecoderStream: 0, AbortController: 0, AbortSignal: 0, Event: 1, EventTarget: 0,
  CustomEvent: 1, ErrorEvent: 1, DOMException: 0, Blob: 0, File: 2, FormData: 0, Crypto: 0, CryptoKey: 0, SubtleCrypto: 0,
  Cache: 0, CacheStorage: 0, ReadableStream: 0, ReadableStreamDefaultReader: 1, ReadableStreamBYOBReader: 1,
  ReadableStreamDefaultController: 0, ReadableByteStreamController: 0, ReadableStreamBYOBRequest: 0,
  WritableStream: 0, WritableStreamDefaultWriter: 1, WritableStreamDefaultController: 0, TransformStream: 0,
  TransformStreamDefaultController: 0, ByteLengthQueuingStrategy: 1, CountQueuingStrategy: 1,
  MessageChannel: 0, MessagePort: 0, MessageEvent: 1,
};

// The whole prototype of the interfaces that used to carry host internals (and, through a base
// class, the Body mixin): IDL members only, plus EdgeOne's `eo` and `webSocket`.
const body = ['arrayBuffer', 'blob', 'body', 'bodyUsed', 'bytes', 'formData', 'json', 'text'];
const prototypes: Record<string, string[]> = {
  Request: [...body, 'cache', 'clone', 'credentials', 'destination', 'duplex', 'eo', 'headers', 'integrity', 'isHistoryNavigation',
    'isReloadNavigation', 'keepalive', 'method', 'mode', 'redirect', 'referrer', 'referrerPolicy', 'signal', 'url'],
  Response: [...body, 'clone', 'headers', 'ok', 'redirected', 'status', 'statusText', 'type', 'url', 'webSocket'],
  FetchEvent: ['clientId', 'passThroughOnException', 'request', 'respondWith', 'waitUntil'],
  CryptoKey: ['algorithm', 'extractable', 'type', 'usages'],
};

// The static members each interface has in its IDL (besides length, name and prototype).
const statics: Record<string, string[]> = {
  Response: ['error', 'json', 'redirect'],
  URL: ['canParse', 'parse'],
  AbortSignal: ['abort', 'any', 'timeout'],
  ReadableStream: ['from'],
  Event: ['AT_TARGET', 'BUBBLING_PHASE', 'CAPTURING_PHASE', 'NONE'],
};

interface Shape {
  type: string;
  name?: string;
  length?: number;
  tag?: { value: unknown; writable?: boolean; enumerable?: boolean; configurable?: boolean; get?: boolean };
  statics?: string[];
}

/** The JSON of what an async function body returns, run as a function in the isolate. */
async function evaluateIn(runtime: Runtime, body: string): Promise<unknown> {
  const answer = await run(runtime, `addEventListener('fetch', (event) => event.respondWith((async () => Response.json(await (async () => { ${body} })()))()));`);
  assert.equal(answer.kind, 'response', answer.text);
  return JSON.parse(answer.text) as unknown;
}

describe('Web API interface shapes (in the isolate)', () => {
  const runtime = newRuntime();
  after(() => runtime.close());
  const evaluate = (body: string): Promise<unknown> => evaluateIn(runtime, body);

  it('gives every interface its WebIDL name, length and class string', async () => {
    const answer = await run(runtime, `addEventListener('fetch', (event) => {
      const out = {};
      for (const name of ${JSON.stringify(Object.keys(lengths))}) {
        const C = globalThis[name];
        if (typeof C !== 'function') { out[name] = { type: typeof C }; continue; }
        const tag = Object.getOwnPropertyDescriptor(C.prototype, Symbol.toStringTag);
        out[name] = {
          type: 'function', name: C.name, length: C.length,
          tag: tag && { value: tag.value, writable: tag.writable, enumerable: tag.enumerable, configurable: tag.configurable, get: typeof tag.get === 'function' },
          statics: Object.getOwnPropertyNames(C).filter((k) => !['length', 'name', 'prototype'].includes(k) && !/^[A-Z_]+_ERR$/.test(k)).sort(),
        };
      }
      event.respondWith(Response.json(out));
    });`);
    const shapes = JSON.parse(answer.text) as Record<string, Shape>;
    for (const [name, length] of Object.entries(lengths)) {
      const shape = shapes[name]!;
      assert.equal(shape.type, 'function', `${name} is a global interface`);
      assert.equal(shape.name, name, `${name}.name`);
      assert.equal(shape.length, length, `${name}.length`);
      assert.deepEqual(shape.tag, { value: name, writable: false, enumerable: false, configurable: true, get: false }, `${name}.prototype[Symbol.toStringTag]`);
      assert.deepEqual(shape.statics, statics[name] ?? [], `${name}'s static members (host internals are not among them)`);
    }
  });

  it('puts only IDL members on prototypes, all enumerable, with the Body mixin included (no base class)', async () => {
    const out = await evaluate(`
      const names = ${JSON.stringify(Object.keys(lengths))};
      const hidden = {};
      for (const name of names) {
        const proto = globalThis[name].prototype;
        hidden[name] = Object.getOwnPropertyNames(proto).filter((k) => k !== 'constructor' && !Object.getOwnPropertyDescriptor(proto, k).enumerable);
      }
      const members = {};
      for (const name of ${JSON.stringify(Object.keys(prototypes))}) members[name] = Object.getOwnPropertyNames(globalThis[name].prototype).filter((k) => k !== 'constructor').sort();
      const chains = [Request, Response].map((C) => Object.getPrototypeOf(C.prototype) === Object.prototype);
      const foreign = await Promise.all([Request.prototype.text.call({}).then(() => 'resolved', (e) => e.constructor.name),
        (() => { try { Object.getOwnPropertyDescriptor(Response.prototype, 'body').get.call(new Request('https://a.example/')); return 'read'; } catch (e) { return e.constructor.name; } })()]);
      return { hidden, members, chains, foreign };`) as { hidden: Record<string, string[]>; members: Record<string, string[]>; chains: boolean[]; foreign: string[] };
    const hidden = Object.entries(out.hidden).filter(([, keys]) => keys.length > 0);
    assert.deepEqual(Object.fromEntries(hidden), {}, 'prototype members that are not enumerable');
    assert.deepEqual(out.members, Object.fromEntries(Object.entries(prototypes).map(([name, keys]) => [name, [...keys].sort()])));
    assert.deepEqual(out.chains, [true, true], 'Request.prototype and Response.prototype inherit from Object.prototype');
    assert.deepEqual(out.foreign, ['TypeError', 'TypeError'], 'a body member called on a foreign object');
  });

  it('names instances by their class string; global functions keep their names and WebIDL lengths', async () => {
    const answer = await run(runtime, `addEventListener('fetch', (event) => {
      const tag = (v) => Object.prototype.toString.call(v);
      event.respondWith(Response.json({
        tags: [tag(new Headers()), tag(new Request('https://a.example/')), tag(new Response()), tag(new URL('https://a.example/')), tag(new Blob()), tag(crypto), tag(crypto.subtle), tag(new TextDecoderStream())],
        functions: [fetch, setTimeout, setInterval, clearTimeout, clearInterval, structuredClone, queueMicrotask, atob, btoa, addEventListener, reportError].map((f) => f.name + '/' + f.length),
      }));
    });`);
    assert.deepEqual(JSON.parse(answer.text), {
      tags: ['[object Headers]', '[object Request]', '[object Response]', '[object URL]', '[object Blob]', '[object Crypto]', '[object SubtleCrypto]', '[object TextDecoderStream]'],
      functions: ['fetch/1', 'setTimeout/1', 'setInterval/1', 'clearTimeout/0', 'clearInterval/0', 'structuredClone/1', 'queueMicrotask/1', 'atob/1', 'btoa/1', 'addEventListener/2', 'reportError/1'],
    });
  });
});

describe('Web API conversions and body rules (in the isolate)', () => {
  const runtime = newRuntime();
  after(() => runtime.close());
  const evaluate = (body: string): Promise<unknown> => evaluateIn(runtime, body);

  it('shapes lazily loaded classes before their globals are touched', async () => {
    assert.deepEqual(
      await evaluate(`const tag = (v) => Object.prototype.toString.call(v);
        const own = (v) => typeof Object.getOwnPropertyDescriptor(Object.getPrototypeOf(v), Symbol.toStringTag).value;
        const blob = await new Response('x').blob();
        const stream = new Response('x').body;
        return [tag(blob), own(blob), tag(stream), own(stream), tag(crypto), own(crypto), tag(await caches.open('c')), Object.getPrototypeOf(stream).constructor.name];`),
      ['[object Blob]', 'string', '[object ReadableStream]', 'string', '[object Crypto]', 'string', '[object Cache]', 'ReadableStream'],
    );
  });

  it('converts status as WebIDL unsigned short, and takes a string redirect status', async () => {
    assert.deepEqual(
      await evaluate(`const status = (s) => { try { return new Response(null, { status: s }).status; } catch (e) { return e.name; } };
        return [status(200.5), status('204'), status(65536 + 201), status(NaN), status(600), Response.redirect('https://a.example/', '301').status, (() => { try { return Response.redirect('https://a.example/', 200); } catch (e) { return e.name; } })()];`),
      [200, 204, 201, 'RangeError', 'RangeError', 301, 'RangeError'],
    );
  });

  it('rejects (never throws) from crypto.subtle on bad arguments', async () => {
    assert.deepEqual(
      await evaluate(`const outcome = (f) => { try { const p = f(); return p.then(() => 'resolved', (e) => 'rejected ' + e.name); } catch (e) { return 'threw ' + e.name; } };
        return Promise.all([outcome(() => crypto.subtle.digest('NOPE', new Uint8Array(1))), outcome(() => crypto.subtle.sign('HMAC', {}, new Uint8Array(1))), outcome(() => crypto.subtle.exportKey('raw', null)), outcome(() => crypto.subtle.digest('SHA-256', new Uint8Array(1)))]);`),
      ['rejected NotSupportedError', 'rejected TypeError', 'rejected TypeError', 'resolved'],
    );
  });

  it('keeps bodyUsed false for a null body, however often it is read', async () => {
    assert.deepEqual(
      await evaluate(`const r = new Response(null); const a = await r.text(); const b = await r.text();
        const q = new Request('https://a.example/'); await q.arrayBuffer();
        const full = new Response('x'); await full.text();
        return [a, b, r.bodyUsed, q.bodyUsed, full.bodyUsed];`),
      ['', '', false, false, true],
    );
  });

  it('leaves a POST request usable when a GET made from it is refused, and refuses URLs with credentials', async () => {
    assert.deepEqual(
      await evaluate(`const post = new Request('https://a.example/', { method: 'POST', body: 'payload' });
        let refused = ''; try { new Request(post, { method: 'GET' }); } catch (e) { refused = e.name; }
        let creds = ''; try { new Request('https://user:s3cret@a.example/'); } catch (e) { creds = e.name + (e.message.includes('s3cret') ? ' naming the password' : ''); }
        return [refused, post.bodyUsed, await post.text(), creds];`),
      ['TypeError', false, 'payload', 'TypeError'],
    );
  });

  it("aborts fetch(request) with the Request's own signal", async () => {
    assert.deepEqual(
      await evaluate(`const controller = new AbortController(); controller.abort(new Error('stopped'));
        const request = new Request('https://a.example/', { signal: controller.signal });
        const made = new Request(request);
        const outcome = (p) => p.then(() => 'resolved', (e) => e.message);
        return [await outcome(fetch(request)), await outcome(fetch(made))];`),
      ['stopped', 'stopped'],
    );
  });
});

describe('sequence conversion (in the isolate)', () => {
  const runtime = newRuntime();
  after(() => runtime.close());

  it('uses a custom Symbol.iterator, read once, for Headers and URLSearchParams; their iterators are WebIDL-shaped', async () => {
    const answer = await run(runtime, `addEventListener('fetch', (event) => {
      let reads = 0;
      const init = { get [Symbol.iterator]() { reads++; return function* () { yield ['a', '1']; yield new Set(['b', '2']); }; } };
      const headers = [...new Headers(init)];
      const readsForHeaders = reads;
      const params = new URLSearchParams(init).toString();
      const patched = new Headers({ x: 'record' });
      patched[Symbol.iterator] = function* () { yield ['from-iterator', 'yes']; };
      const fromPatched = [...new Headers(patched)];
      const copied = [...new Headers(new Headers([['plain', '1']]))];
      let bad = ''; try { new Headers([['only-one']]); } catch (e) { bad = e.name; }
      const nextOf = (it) => Object.getOwnPropertyDescriptor(Object.getPrototypeOf(it), 'next');
      const iterators = [new Headers().entries(), new URLSearchParams().keys()].map((it) => [Object.prototype.toString.call(it), nextOf(it).enumerable, nextOf(it).writable]);
      event.respondWith(Response.json({ headers, readsForHeaders, reads, params, fromPatched, copied, bad, iterators }));
    });`);
    assert.deepEqual(JSON.parse(answer.text), {
      headers: [['a', '1'], ['b', '2']],
      readsForHeaders: 1,
      reads: 2,
      params: 'a=1&b=2',
      fromPatched: [['from-iterator', 'yes']],
      copied: [['plain', '1']],
      bad: 'TypeError',
      iterators: [['[object Headers Iterator]', true, true], ['[object URLSearchParams Iterator]', true, true]],
    });
  });
});
