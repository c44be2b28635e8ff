/**
 * Differential tests: each snippet runs inside the sandbox and in Node's own Web API
 * implementations; the JSON of their results must agree.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { newRuntime, run, sw } from '../helpers/runtime.ts';

// Fixed keys, made once per run and given to both sides as JWK.
const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ format: 'jwk' });
const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' });
const ec2 = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' });
const ed = generateKeyPairSync('ed25519').privateKey.export({ format: 'jwk' });
const keys = JSON.stringify({ rsa, ec, ec2, ed });

const hex = `const hex = (b) => [...new Uint8Array(b)].map((x) => x.toString(16).padStart(2, '0')).join('');`;
const enc = `const enc = (s) => new TextEncoder().encode(s);`;
const prelude = `${hex} ${enc} const KEYS = ${keys};`;

const snippets: Record<string, string> = {
  'Headers: normalisation, order, combination and set-cookie': `
    const h = new Headers([['B', ' 2 '], ['a', '1'], ['Set-Cookie', 'x=1'], ['set-cookie', 'y=2'], ['a', '3']]);
    h.delete('missing'); h.set('C', 'c');
    return { list: [...h], a: h.get('A'), cookies: h.getSetCookie(), has: h.has('b') };`,
  'Headers: invalid names and values throw TypeError': `
    const out = [];
    for (const [n, v] of [['bad name', 'x'], ['ok', 'a\\nb'], ['', 'x'], ['é', 'x']]) {
      try { new Headers([[n, v]]); out.push('ok') } catch (e) { out.push(e.constructor.name) }
    }
    return out;`,
  'Request: defaults, method normalisation, clone and body': `
    const r = new Request('https://example.com/a/../b?q=1#frag', { method: 'post', body: 'hello', headers: { 'X-Y': 'z' } });
    const c = r.clone();
    return { url: r.url, method: r.method, redirect: r.redirect, ct: r.headers.get('content-type'), text: await r.text(), used: r.bodyUsed, cloneText: await c.text(), cloneUsed: c.bodyUsed };`,
  'Request: GET with a body and bad methods throw TypeError': `
    const out = [];
    for (const init of [{ method: 'GET', body: 'x' }, { method: 'CONNECT' }, { method: 'bad method' }]) {
      try { new Request('https://x.com', init); out.push('ok') } catch (e) { out.push(e.constructor.name) }
    }
    try { new Request('/relative'); out.push('ok') } catch (e) { out.push(e.constructor.name) }
    return out;`,
  'Response: statics, ok, status range and body readers': `
    const j = Response.json({ a: [1, 2] }, { status: 201, headers: { 'x-a': 'b' } });
    const r = Response.redirect('https://example.com/x', 301);
    const e = Response.error();
    const out = { j: [j.status, j.ok, j.headers.get('content-type'), await j.json()], r: [r.status, r.headers.get('location')], e: [e.type, e.status] };
    for (const s of [199, 600]) { try { new Response('x', { status: s }) } catch (err) { out['s' + s] = err.constructor.name } }
    try { new Response('x', { status: 204 }) } catch (err) { out.nullBody = err.constructor.name }
    const ab = await new Response(new Uint8Array([1, 2, 3])).arrayBuffer();
    const blob = await new Response('blobby', { headers: { 'content-type': 'text/x' } }).blob();
    out.readers = [ab.byteLength, blob.size, blob.type, await blob.text()];
    const used = new Response('once'); await used.text();
    try { await used.text() } catch (err) { out.reuse = err.constructor.name }
    return out;`,
  'Response: clone tees a stream body': `
    const r = new Response(new ReadableStream({ start(c) { c.enqueue(enc('ab')); c.enqueue(enc('cd')); c.close(); } }));
    const c = r.clone();
    return [await r.text(), await c.text()];`,
  'URL: parsing, setters and searchParams': `
    const u = new URL('HTTP://User:Pw@Example.COM:80/a/./b/../c?x=1&y=%20#h');
    const parts = [u.href, u.origin, u.protocol, u.username, u.host, u.hostname, u.port, u.pathname, u.search, u.hash];
    u.pathname = '/new path'; u.hash = ''; u.searchParams.append('z', 'a b&c'); u.port = '8080';
    const rel = new URL('../up?q', 'https://h.com/a/b/c');
    let bad; try { new URL('nope') } catch (e) { bad = e.constructor.name }
    return { parts, after: u.href, rel: rel.href, bad, can: [URL.canParse('x:'), URL.canParse('::')], idn: new URL('https://bücher.de/').host };`,
  'URLSearchParams: parse, mutate, sort and serialise': `
    const p = new URLSearchParams('?a=1&b=%zz&c=x+y&a=2&%F0%9F%98%80=emoji');
    p.append('d', 'é &=');
    p.delete('b');
    p.sort();
    return { s: p.toString(), all: p.getAll('a'), size: p.size, entries: [...p], rec: new URLSearchParams({ k: 'v', n: '1' }).toString() };`,
  // Node decodes 'latin1' as ISO-8859-1; the Encoding spec (and the sandbox) use windows-1252, so
  // bytes 0x80-0x9f differ on purpose and are left out here.
  'TextEncoder / TextDecoder: UTF-8, surrogates, streaming, fatal, BOM': `
    const te = new TextEncoder();
    const bytes = te.encode('a€😀\\ud800');
    const d = new TextDecoder();
    const split = [d.decode(new Uint8Array([0xe2, 0x82]), { stream: true }), d.decode(new Uint8Array([0xac]))];
    let fatal; try { new TextDecoder('utf-8', { fatal: true }).decode(new Uint8Array([0xff])) } catch (e) { fatal = e.constructor.name }
    const into = te.encodeInto('héllo', new Uint8Array(3));
    return { bytes: [...bytes], split, fatal, bom: new TextDecoder().decode(new Uint8Array([0xef, 0xbb, 0xbf, 0x41])), keep: new TextDecoder('utf-8', { ignoreBOM: true }).decode(new Uint8Array([0xef, 0xbb, 0xbf, 0x41])), latin1: new TextDecoder('latin1').decode(new Uint8Array([0x41, 0xe9])), utf16: new TextDecoder('utf-16le').decode(new Uint8Array([0x41, 0, 0x3d, 0xd8, 0, 0xde])), into };`,
  'Streams: default reader, tee, pipeThrough and text streams': `
    const rs = new ReadableStream({ start(c) { ['a', 'b', 'c'].forEach((x) => c.enqueue(x)); c.close(); } });
    const [x, y] = rs.tee();
    const read = async (s) => { const r = s.getReader(); const out = []; for (;;) { const { done, value } = await r.read(); if (done) return out; out.push(value); } };
    const upper = new TransformStream({ transform(chunk, c) { c.enqueue(String(chunk).toUpperCase()); } });
    const piped = await read(y.pipeThrough(upper));
    const bytes = new ReadableStream({ start(c) { c.enqueue('héllo'); c.close(); } }).pipeThrough(new TextEncoderStream()).pipeThrough(new TextDecoderStream());
    const ws = []; const w = new WritableStream({ write(chunk) { ws.push(chunk); } });
    const writer = w.getWriter(); await writer.write(1); await writer.write(2); await writer.close();
    return { x: await read(x), piped, text: (await read(bytes)).join(''), ws };`,
  'Streams: BYOB reader on a byte stream': `
    const rs = new ReadableStream({ type: 'bytes', start(c) { c.enqueue(new Uint8Array([1, 2, 3, 4, 5])); c.close(); } });
    const reader = rs.getReader({ mode: 'byob' });
    const first = await reader.read(new Uint8Array(2));
    const second = await reader.read(new Uint8Array(8));
    return [[...first.value], first.done, [...second.value], second.done];`,
  'atob / btoa': `
    const out = [btoa('hello\\u00ff'), atob(' aGVs bG8= '), atob('YQ')];
    for (const bad of ['€']) { try { btoa(bad) } catch (e) { out.push(e.name) } }
    try { atob('a') } catch (e) { out.push(e.name) }
    return out;`,
  'structuredClone: types, cycles and errors': `
    const o = { d: new Date(5), m: new Map([[1, { s: new Set([2]) }]]), r: /x/gi, u: new Uint8Array([1, 2]), big: 10n };
    o.self = o;
    const c = structuredClone(o);
    let err; try { structuredClone(() => 1) } catch (e) { err = e.name }
    return { same: c === o, cyc: c.self === c, d: c.d.getTime(), m: [...c.m.keys()], s: [...c.m.get(1).s], r: String(c.r), u: [...c.u], big: String(c.big), err };`,
  'Blob, File and FormData': `
    const b = new Blob(['ab', new Uint8Array([99, 100])], { type: 'Text/Plain' });
    const f = new File(['x'], 'a.txt', { type: 'text/plain', lastModified: 7 });
    const fd = new FormData(); fd.append('k', 'v'); fd.append('f', f); fd.set('k', 'w');
    return { b: [b.size, b.type, await b.slice(1, -1).text()], f: [f.name, f.lastModified, f.size], fd: [...fd].map(([k, v]) => [k, typeof v === 'string' ? v : v.name]) };`,
  'AbortController, AbortSignal and events': `
    const c = new AbortController(); const seen = [];
    c.signal.addEventListener('abort', () => seen.push('abort'), { once: true });
    c.abort('why'); c.abort('again');
    const t = new EventTarget(); let n = 0; const l = () => n++;
    t.addEventListener('x', l); t.addEventListener('x', l); t.dispatchEvent(new Event('x'));
    const any = AbortSignal.any([AbortSignal.abort(1), new AbortController().signal]);
    let thrown; try { AbortSignal.abort('r').throwIfAborted() } catch (e) { thrown = e }
    return { seen, reason: c.signal.reason, n, any: [any.aborted, any.reason], thrown, timeout: AbortSignal.timeout(10).aborted };`,
  'crypto.subtle digests': `
    const out = {};
    for (const alg of ['SHA-1', 'SHA-256', 'SHA-384', 'SHA-512']) out[alg] = hex(await crypto.subtle.digest(alg, enc('edgefn')));
    out.obj = hex(await crypto.subtle.digest({ name: 'SHA-256' }, enc('x')));
    return out;`,
  'crypto.subtle HMAC, PBKDF2 and HKDF with fixed keys': `
    const raw = enc('0123456789abcdef0123456789abcdef');
    const hmac = await crypto.subtle.importKey('raw', raw, { name: 'HMAC', hash: 'SHA-256' }, true, ['sign', 'verify']);
    const sig = await crypto.subtle.sign('HMAC', hmac, enc('message'));
    const ok = await crypto.subtle.verify('HMAC', hmac, sig, enc('message'));
    const pb = await crypto.subtle.importKey('raw', enc('password'), 'PBKDF2', false, ['deriveBits', 'deriveKey']);
    const bits = await crypto.subtle.deriveBits({ name: 'PBKDF2', salt: enc('salt'), iterations: 1000, hash: 'SHA-256' }, pb, 256);
    const aes = await crypto.subtle.deriveKey({ name: 'PBKDF2', salt: enc('salt'), iterations: 1000, hash: 'SHA-256' }, pb, { name: 'AES-GCM', length: 128 }, true, ['encrypt']);
    const hk = await crypto.subtle.importKey('raw', raw, 'HKDF', false, ['deriveBits']);
    const hkdf = await crypto.subtle.deriveBits({ name: 'HKDF', hash: 'SHA-256', salt: enc('s'), info: enc('i') }, hk, 128);
    return { sig: hex(sig), ok, bits: hex(bits), aes: hex(await crypto.subtle.exportKey('raw', aes)), jwk: await crypto.subtle.exportKey('jwk', hmac), hkdf: hex(hkdf), alg: hmac.algorithm, usages: hmac.usages, type: hmac.type };`,
  'crypto.subtle AES-GCM, AES-CBC and AES-CTR with fixed key and IV': `
    const key = (name) => crypto.subtle.importKey('raw', enc('fedcba9876543210'), name, true, ['encrypt', 'decrypt']);
    const iv = enc('123456789012'); const iv16 = enc('1234567890123456');
    const gcm = await crypto.subtle.encrypt({ name: 'AES-GCM', iv, additionalData: enc('aad') }, await key('AES-GCM'), enc('secret text'));
    const cbc = await crypto.subtle.encrypt({ name: 'AES-CBC', iv: iv16 }, await key('AES-CBC'), enc('secret text'));
    const ctr = await crypto.subtle.encrypt({ name: 'AES-CTR', counter: iv16, length: 64 }, await key('AES-CTR'), enc('secret text'));
    const back = new TextDecoder().decode(await crypto.subtle.decrypt({ name: 'AES-GCM', iv, additionalData: enc('aad') }, await key('AES-GCM'), gcm));
    let tamper; try { await crypto.subtle.decrypt({ name: 'AES-GCM', iv }, await key('AES-GCM'), gcm) } catch (e) { tamper = e.name }
    return { gcm: hex(gcm), cbc: hex(cbc), ctr: hex(ctr), back, tamper };`,
  'crypto.subtle RSA, ECDSA, Ed25519 and ECDH with fixed keys': `
    const { rsa, ec, ec2, ed } = KEYS;
    const pkcs1 = await crypto.subtle.importKey('jwk', rsa, { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' }, true, ['sign']);
    const pkcs1sig = hex(await crypto.subtle.sign('RSASSA-PKCS1-v1_5', pkcs1, enc('m')));
    const pss = await crypto.subtle.importKey('jwk', rsa, { name: 'RSA-PSS', hash: 'SHA-256' }, false, ['sign']);
    const pssPub = await crypto.subtle.importKey('jwk', { kty: 'RSA', n: rsa.n, e: rsa.e }, { name: 'RSA-PSS', hash: 'SHA-256' }, true, ['verify']);
    const pssOk = await crypto.subtle.verify({ name: 'RSA-PSS', saltLength: 32 }, pssPub, await crypto.subtle.sign({ name: 'RSA-PSS', saltLength: 32 }, pss, enc('m')), enc('m'));
    const ecPriv = await crypto.subtle.importKey('jwk', ec, { name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign']);
    const ecPub = await crypto.subtle.importKey('jwk', { kty: 'EC', crv: 'P-256', x: ec.x, y: ec.y }, { name: 'ECDSA', namedCurve: 'P-256' }, true, ['verify']);
    const ecOk = await crypto.subtle.verify({ name: 'ECDSA', hash: 'SHA-256' }, ecPub, await crypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, ecPriv, enc('m')), enc('m'));
    const spki = hex(await crypto.subtle.exportKey('spki', ecPub));
    const pkcs8 = hex(await crypto.subtle.exportKey('pkcs8', ecPriv));
    const edKey = await crypto.subtle.importKey('jwk', ed, { name: 'Ed25519' }, false, ['sign']);
    const edSig = hex(await crypto.subtle.sign('Ed25519', edKey, enc('m')));
    const a = await crypto.subtle.importKey('jwk', ec, { name: 'ECDH', namedCurve: 'P-256' }, false, ['deriveBits']);
    const b = await crypto.subtle.importKey('jwk', { kty: 'EC', crv: 'P-256', x: ec2.x, y: ec2.y }, { name: 'ECDH', namedCurve: 'P-256' }, false, []);
    const shared = hex(await crypto.subtle.deriveBits({ name: 'ECDH', public: b }, a, 256));
    const spkiRaw = await crypto.subtle.exportKey('raw', ecPub);
    return { pkcs1sig, pssOk, ecOk, spki, pkcs8, edSig, shared, raw: hex(spkiRaw), ecAlg: ecPub.algorithm };`,
  'crypto.subtle generateKey, RSA-OAEP, AES-KW and wrapKey / unwrapKey round trips': `
    const { rsa } = KEYS;
    const oaepPub = await crypto.subtle.importKey('jwk', { kty: 'RSA', n: rsa.n, e: rsa.e, alg: 'RSA-OAEP-256' }, { name: 'RSA-OAEP', hash: 'SHA-256' }, true, ['encrypt']);
    const oaepPriv = await crypto.subtle.importKey('jwk', { ...rsa, alg: 'RSA-OAEP-256' }, { name: 'RSA-OAEP', hash: 'SHA-256' }, false, ['decrypt']);
    const sealed = await crypto.subtle.encrypt({ name: 'RSA-OAEP' }, oaepPub, enc('oaep secret'));
    const opened = new TextDecoder().decode(await crypto.subtle.decrypt({ name: 'RSA-OAEP' }, oaepPriv, sealed));
    const kek = await crypto.subtle.importKey('raw', enc('0123456789abcdef'), 'AES-KW', false, ['wrapKey', 'unwrapKey']);
    const inner = await crypto.subtle.importKey('raw', enc('fedcba9876543210'), 'AES-GCM', true, ['encrypt', 'decrypt']);
    const wrapped = await crypto.subtle.wrapKey('raw', inner, kek, 'AES-KW');
    const unwrapped = await crypto.subtle.unwrapKey('raw', wrapped, kek, 'AES-KW', 'AES-GCM', true, ['encrypt']);
    const gcmKek = await crypto.subtle.importKey('raw', enc('0123456789abcdef'), 'AES-GCM', false, ['wrapKey', 'unwrapKey']);
    const iv = enc('123456789012');
    const gcmWrapped = await crypto.subtle.wrapKey('jwk', inner, gcmKek, { name: 'AES-GCM', iv });
    const gcmBack = await crypto.subtle.unwrapKey('jwk', gcmWrapped, gcmKek, { name: 'AES-GCM', iv }, 'AES-GCM', true, ['decrypt']);
    const generated = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-384' }, true, ['sign', 'verify']);
    const aesGen = await crypto.subtle.generateKey({ name: 'AES-CBC', length: 256 }, false, ['encrypt']);
    return { opened, wrapped: hex(wrapped), unwrapped: hex(await crypto.subtle.exportKey('raw', unwrapped)), gcmBack: hex(await crypto.subtle.exportKey('raw', gcmBack)),
      pair: [generated.publicKey.type, generated.privateKey.type, generated.publicKey.algorithm, generated.privateKey.usages], aes: [aesGen.algorithm, aesGen.extractable] };`,
  'crypto.getRandomValues and randomUUID shapes': `
    const a = crypto.getRandomValues(new Uint32Array(4));
    let quota; try { crypto.getRandomValues(new Uint8Array(65537)) } catch (e) { quota = e.name }
    let mismatch; try { crypto.getRandomValues(new Float32Array(2)) } catch (e) { mismatch = e.name }
    return { len: a.length, uuid: /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/.test(crypto.randomUUID()), quota, mismatch };`,
};

describe('sandbox vs Node (differential)', () => {
  const runtime = newRuntime();
  after(() => runtime.close());
  const AsyncFunction = Object.getPrototypeOf(async () => undefined).constructor as new (body: string) => () => Promise<unknown>;

  for (const [name, body] of Object.entries(snippets)) {
    it(name, async () => {
      const expected = JSON.parse(JSON.stringify(await new AsyncFunction(`${prelude}\n${body}`)())) as unknown;
      const answer = await run(runtime, sw(`${prelude} const result = await (async () => { ${body} })(); return new Response(JSON.stringify(result));`));
      assert.equal(answer.kind, 'response', `${answer.code ?? ''} ${answer.message ?? ''}`);
      assert.deepEqual(JSON.parse(answer.text), expected);
    });
  }
});
