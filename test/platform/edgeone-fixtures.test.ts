/**
 * EdgeOne-style functions (test/fixtures/edgeone/*.js), each run unchanged under `edgefn dev` and
 * through the platform gateway, against one real local origin server, with the same expectations
 * on both targets (issue 4's bar).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createDecipheriv, createHash, createPublicKey, generateKeyPairSync, randomBytes, verify as nodeVerify } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import sharp from 'sharp';
import { startDevServer, type DevServer } from '../../src/cli/dev.ts';
import { apiClient, gatewayRequest, startPlatform } from '../helpers/platform.ts';
import { readText, startServer, type TestServer } from '../helpers/servers.ts';

const fixturesDir = join(import.meta.dirname, '..', 'fixtures', 'edgeone');
const fixtureFile = (name: string): string => join(fixturesDir, `${name}.js`);

type Target = 'dev' | 'gateway';
type EnvType = 'string' | 'json' | 'secret';

interface Answer {
  status: number;
  headers: Record<string, string>;
  setCookies: string[];
  body: Buffer;
  text: string;
}

interface Init {
  method?: string;
  body?: string;
  headers?: Record<string, string>;
}

// Keys and secrets, made fresh for this run.
const aesKey = randomBytes(32);
const signSecret = `s3cret-${randomBytes(6).toString('hex')}`;
const rsa = generateKeyPairSync('rsa', { modulusLength: 2048, publicKeyEncoding: { type: 'spki', format: 'pem' }, privateKeyEncoding: { type: 'pkcs8', format: 'pem' } });
const rsaPublicJwk = createPublicKey(rsa.publicKey).export({ format: 'jwk' });
const redirects = { '/old': '/new', '/blog/2019/hello': '/posts/hello', '/promo': { to: 'https://www.example.com/sale', status: 302 } };

/** Env vars per fixture: the API's typed value (JSON as text) and the parsed value for dev. */
const envs: Record<string, Record<string, { type: EnvType; value: string; parsed: unknown }>> = {
  'aes-gcm': { AES_KEY: { type: 'secret', value: aesKey.toString('base64'), parsed: aesKey.toString('base64') } },
  'rsa-sign': {
    RSA_PRIVATE_PEM: { type: 'secret', value: rsa.privateKey, parsed: rsa.privateKey },
    RSA_PUBLIC_JWK: { type: 'json', value: JSON.stringify(rsaPublicJwk), parsed: rsaPublicJwk },
  },
  'm3u8-auth': { SIGN_SECRET: { type: 'secret', value: signSecret, parsed: signSecret } },
  'combined-protected-image': { SIGN_SECRET: { type: 'secret', value: signSecret, parsed: signSecret } },
  'bulk-redirects': { REDIRECTS: { type: 'json', value: JSON.stringify(redirects), parsed: redirects } },
};

const fixtureNames = [
  'cookies-ab',
  'alter-headers',
  'post-cache',
  'aes-gcm',
  'rsa-sign',
  'webp-image',
  'geo-block',
  'm3u8-auth',
  'hotlink',
  'bulk-redirects',
  'combined-protected-image',
  'combined-ab-post-cache',
  'crypto-suite',
  'subrequest-options',
];

const md5 = (text: string): string => createHash('md5').update(text).digest('hex');
const now = (): number => Math.floor(Date.now() / 1000);
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('EdgeOne-style fixtures under edgefn dev and through the gateway', () => {
  let origin: TestServer;
  let platform: Awaited<ReturnType<typeof startPlatform>>;
  let png: Buffer;
  const domains = new Map<string, string>();
  const devServers = new Map<string, DevServer>();
  /** Requests the origin saw, by "METHOD path" (path with query), and for POSTs by "POST path body". */
  const counts = new Map<string, number>();
  const count = (key: string): number => counts.get(key) ?? 0;

  before(async () => {
    png = await sharp({ create: { width: 200, height: 100, channels: 3, background: { r: 200, g: 40, b: 40 } } }).png().toBuffer();
    origin = await startServer((req, res) => {
      void (async () => {
        const body = await readText(req);
        const url = req.url ?? '/';
        const path = url.split('?')[0] ?? '/';
        const key = `${req.method} ${url}`;
        counts.set(key, count(key) + 1);
        res.setHeader('x-powered-by', 'Express');
        if (path === '/photo.png') {
          res.setHeader('content-type', 'image/png');
          res.end(png);
          return;
        }
        if (req.method === 'POST') {
          const postKey = `POST ${path} ${body}`;
          counts.set(postKey, count(postKey) + 1);
          res.setHeader('content-type', 'application/json');
          res.setHeader('cache-control', 'public, max-age=60');
          res.end(JSON.stringify({ path, body, n: count(postKey) }));
          return;
        }
        if (path === '/counted-sub') {
          res.end(`origin answer ${count(`GET ${url}`)} for ${url}`);
          return;
        }
        if (path === '/slow-origin') {
          setTimeout(() => res.end('late'), 1500);
          return;
        }
        if (path.startsWith('/hop/')) {
          const left = Number(path.slice('/hop/'.length));
          if (left > 0) res.writeHead(302, { location: `/hop/${left - 1}` }).end();
          else res.end('arrived');
          return;
        }
        if (path === '/whoami') {
          res.end(`host=${req.headers.host}`);
          return;
        }
        if (path.endsWith('.m3u8')) {
          res.setHeader('content-type', 'application/vnd.apple.mpegurl');
          res.end(`#EXTM3U\n#EXT-X-VERSION:3\n#EXTINF:10,\nsegment0.ts\n# ${path}\n`);
          return;
        }
        res.setHeader('x-internal-debug', 'db=12ms');
        res.setHeader('set-cookie', 'sid=origin-session; Path=/');
        res.setHeader('content-type', 'text/plain');
        res.end(`origin ${req.method} ${url} cookie=${req.headers.cookie ?? ''}`);
      })();
    });
    const geoFile = join(mkdtempSync(join(tmpdir(), 'edgefn-geo-')), 'geo.json');
    writeFileSync(geoFile, JSON.stringify([
      { cidr: '127.0.0.2/32', geo: { countryCodeAlpha2: 'KP', countryName: 'North Korea' } },
      { cidr: '127.0.0.3/32', geo: { countryCodeAlpha2: 'CN', regionCode: 'GD', cityName: 'Shēnzhèn' } },
      { cidr: '127.0.0.4/32', geo: { countryCodeAlpha2: 'US', regionCode: 'CA' } },
    ]));
    platform = await startPlatform({ geoFile });
    envs['subrequest-options'] = { ORIGIN_HOST: { type: 'string', value: `127.0.0.1:${origin.port}`, parsed: `127.0.0.1:${origin.port}` } };
    const api = apiClient(platform);
    const zone = await api<{ id: string }>('POST', '/api/v1/zones', { name: 'edgeone-fixtures.example.com', origin: origin.url });
    assert.equal(zone.status, 201, JSON.stringify(zone.body));
    for (const name of fixtureNames) {
      const fn = await api<{ id: string; domain: string }>('POST', '/api/v1/functions', { zoneId: zone.body.id, name, content: readFileSync(fixtureFile(name), 'utf8') });
      assert.equal(fn.status, 201, JSON.stringify(fn.body));
      for (const [key, { type, value }] of Object.entries(envs[name] ?? {})) {
        const put = await api('PUT', `/api/v1/functions/${fn.body.id}/env/${key}`, { value, type });
        assert.equal(put.status, 200, JSON.stringify(put.body));
      }
      domains.set(name, fn.body.domain);
    }
  });

  after(async () => {
    for (const dev of devServers.values()) await dev.close();
    await platform.close();
    await origin.close();
  });

  /** The dev server for a fixture (and a simulated location), started on first use. */
  async function devUrl(name: string, geo?: Record<string, string>): Promise<string> {
    const key = `${name} ${JSON.stringify(geo ?? {})}`;
    let dev = devServers.get(key);
    if (!dev) {
      const env = Object.fromEntries(Object.entries(envs[name] ?? {}).map(([k, v]) => [k, v.parsed]));
      dev = await startDevServer({ file: fixtureFile(name), port: 0, env, origin: new URL(origin.url), ...(geo ? { geo } : {}), print: () => undefined, quiet: true });
      devServers.set(key, dev);
    }
    return dev.url;
  }

  async function viaDev(name: string, path: string, init: Init, geo?: Record<string, string>): Promise<Answer> {
    const res = await fetch(`${await devUrl(name, geo)}${path}`, {
      method: init.method ?? 'GET',
      headers: init.headers ?? {},
      redirect: 'manual',
      ...(init.body !== undefined ? { body: init.body } : {}),
    });
    const body = Buffer.from(await res.arrayBuffer());
    const headers: Record<string, string> = {};
    res.headers.forEach((value, key) => {
      if (key !== 'set-cookie') headers[key] = value;
    });
    return { status: res.status, headers, setCookies: res.headers.getSetCookie(), body, text: body.toString('utf8') };
  }

  async function viaGateway(name: string, path: string, init: Init, binary: boolean): Promise<Answer> {
    const host = domains.get(name) ?? assert.fail(`no function ${name}`);
    let status: number;
    let raw: Record<string, string | string[] | undefined>;
    let body: Buffer;
    if (binary) {
      // gatewayRequest reads the body as text; images need the bytes.
      const { request } = await import('undici');
      const res = await request(`${platform.gatewayUrl}${path}`, { method: (init.method ?? 'GET') as 'GET', headers: { host, ...init.headers } });
      status = res.statusCode;
      raw = res.headers;
      body = Buffer.from(await res.body.arrayBuffer());
    } else {
      const res = await gatewayRequest(platform.gatewayUrl, host, path, init.headers ?? {}, { ...(init.method ? { method: init.method } : {}), ...(init.body !== undefined ? { body: init.body } : {}) });
      status = res.status;
      raw = res.headers;
      body = Buffer.from(res.text, 'utf8');
    }
    const headers: Record<string, string> = {};
    let setCookies: string[] = [];
    for (const [key, value] of Object.entries(raw)) {
      if (value === undefined) continue;
      if (key === 'set-cookie') setCookies = Array.isArray(value) ? value : [value];
      else headers[key] = Array.isArray(value) ? value.join(', ') : value;
    }
    return { status, headers, setCookies, body, text: body.toString('utf8') };
  }

  /** Runs a request against both targets and applies the same checks to each answer. */
  async function both(
    name: string,
    path: string | ((target: Target) => string),
    init: Init | ((target: Target) => Init),
    check: (answer: Answer, target: Target) => void | Promise<void>,
    options: { binary?: boolean } = {},
  ): Promise<void> {
    for (const target of ['dev', 'gateway'] as const) {
      const p = typeof path === 'function' ? path(target) : path;
      const i = typeof init === 'function' ? init(target) : init;
      const answer = target === 'dev' ? await viaDev(name, p, i) : await viaGateway(name, p, i, options.binary ?? false);
      try {
        await check(answer, target);
      } catch (error) {
        if (error instanceof Error) error.message = `[${target}] ${error.message}\n  status=${answer.status} body=${answer.text.slice(0, 300)}`;
        throw error;
      }
    }
  }

  describe('cookies-ab.js', () => {
    it('assigns a new visitor to the forced group, keeping the origin Set-Cookie and appending the group cookie', async () => {
      await both('cookies-ab', (t) => `/shop/${t}?force=b`, {}, (a, t) => {
        assert.equal(a.status, 200);
        assert.equal(a.text, `origin GET /shop/${t}?force=b cookie=`);
        assert.equal(a.headers['x-ab-group'], 'b');
        assert.deepEqual(a.setCookies, ['sid=origin-session; Path=/', 'eo-ab=b; Path=/; Max-Age=86400; HttpOnly; SameSite=Lax']);
      });
    });

    it('picks a random group for a new visitor and sets the matching cookie', async () => {
      await both('cookies-ab', '/shop', {}, (a) => {
        const group = a.headers['x-ab-group'];
        assert.ok(group === 'a' || group === 'b', String(group));
        assert.ok(a.setCookies.includes(`eo-ab=${group}; Path=/; Max-Age=86400; HttpOnly; SameSite=Lax`), a.setCookies.join(' | '));
      });
    });

    it('keeps a returning visitor in their group, forwards their cookies and sets no group cookie', async () => {
      await both('cookies-ab', '/shop', { headers: { cookie: 'theme=dark; eo-ab=a; eo-ab=b' } }, (a) => {
        assert.equal(a.status, 200);
        assert.equal(a.headers['x-ab-group'], 'a', 'the first of repeated names wins');
        assert.equal(a.text, 'origin GET /shop cookie=theme=dark; eo-ab=a; eo-ab=b');
        assert.deepEqual(a.setCookies, ['sid=origin-session; Path=/']);
      });
    });
  });

  describe('alter-headers.js', () => {
    it('adds and removes headers on the fetched origin response', async () => {
      await both('alter-headers', '/page?x=1', {}, (a) => {
        assert.equal(a.status, 200);
        assert.equal(a.text, 'origin GET /page?x=1 cookie=');
        assert.equal(a.headers['x-powered-by'], undefined);
        assert.equal(a.headers['x-internal-debug'], undefined);
        assert.equal(a.headers['x-frame-options'], 'DENY');
        assert.equal(a.headers['strict-transport-security'], 'max-age=31536000; includeSubDomains');
        assert.equal(a.headers['x-edge-note'], 'altered-by-edgeone');
        assert.equal(a.headers['content-type'], 'text/plain');
        assert.deepEqual(a.setCookies, ['sid=origin-session; Path=/'], 'untouched origin headers stay');
      });
    });
  });

  describe('post-cache.js', () => {
    it('misses, then hits for the same POST body without reaching the origin again; another body misses', async () => {
      const bodyFor = (t: Target): string => JSON.stringify({ sku: 'A-1', qty: 2, target: t });
      const post = (t: Target): Init => ({ method: 'POST', body: bodyFor(t), headers: { 'content-type': 'application/json' } });
      await both('post-cache', '/api/quote', post, (a, t) => {
        assert.equal(a.status, 200);
        assert.equal(a.headers['x-cache'], 'MISS');
        assert.deepEqual(JSON.parse(a.text), { path: '/api/quote', body: bodyFor(t), n: 1 });
      });
      await sleep(400); // let waitUntil(cache.put(...)) finish (it runs after the response)
      await both('post-cache', '/api/quote', post, (a, t) => {
        assert.equal(a.status, 200);
        assert.equal(a.headers['x-cache'], 'HIT');
        assert.deepEqual(JSON.parse(a.text), { path: '/api/quote', body: bodyFor(t), n: 1 });
        assert.equal(count(`POST /api/quote ${bodyFor(t)}`), 1, 'the origin saw the body once');
      });
      await both('post-cache', '/api/quote', (t) => ({ method: 'POST', body: `${bodyFor(t)} `, headers: { 'content-type': 'application/json' } }), (a) => {
        assert.equal(a.headers['x-cache'], 'MISS');
        assert.equal(JSON.parse(a.text).n, 1);
      });
    });
  });

  describe('aes-gcm.js', () => {
    it('encrypts and decrypts with the secret key; Node decrypts the same ciphertext; tampering is rejected', async () => {
      const text = 'pay 100 to alice ✓';
      await both('aes-gcm', `/?text=${encodeURIComponent(text)}`, {}, (a) => {
        assert.equal(a.status, 200);
        const body = JSON.parse(a.text) as { iv: string; ciphertext: string; ciphertextLength: number; decrypted: string; roundTrip: boolean; tamperRejected: boolean };
        assert.equal(body.decrypted, text);
        assert.equal(body.roundTrip, true);
        assert.equal(body.tamperRejected, true);
        const bytes = Buffer.from(body.ciphertext, 'base64');
        assert.equal(bytes.length, Buffer.byteLength(text) + 16);
        assert.equal(body.ciphertextLength, bytes.length);
        const decipher = createDecipheriv('aes-256-gcm', aesKey, Buffer.from(body.iv, 'base64'));
        decipher.setAuthTag(bytes.subarray(bytes.length - 16));
        assert.equal(Buffer.concat([decipher.update(bytes.subarray(0, bytes.length - 16)), decipher.final()]).toString('utf8'), text);
      });
    });
  });

  describe('rsa-sign.js', () => {
    it('signs with the PKCS8 key from env and verifies with the JWK; Node verifies the signature too', async () => {
      const message = 'order=7&amount=250';
      await both('rsa-sign', `/?message=${encodeURIComponent(message)}`, {}, (a) => {
        assert.equal(a.status, 200);
        const body = JSON.parse(a.text) as { source: string; verified: boolean; tamperedVerified: boolean; signatureHex: string };
        assert.deepEqual({ source: body.source, verified: body.verified, tamperedVerified: body.tamperedVerified }, { source: 'env', verified: true, tamperedVerified: false });
        assert.equal(nodeVerify('sha256', Buffer.from(message), rsa.publicKey, Buffer.from(body.signatureHex, 'hex')), true);
      });
    });

    it('signs and verifies with a generated key pair', async () => {
      await both('rsa-sign', '/?generate=1', {}, (a) => {
        const body = JSON.parse(a.text) as { source: string; verified: boolean; tamperedVerified: boolean; signatureHex: string };
        assert.deepEqual({ source: body.source, verified: body.verified, tamperedVerified: body.tamperedVerified }, { source: 'generateKey', verified: true, tamperedVerified: false });
        assert.equal(body.signatureHex.length, 512);
      });
    });
  });

  describe('webp-image.js', () => {
    it('converts the origin PNG to a 40 px wide WebP', async () => {
      const before = count('GET /photo.png');
      await both(
        'webp-image',
        '/images/banner',
        {},
        async (a) => {
          assert.equal(a.status, 200);
          assert.equal(a.headers['content-type'], 'image/webp');
          assert.equal(a.headers['x-image-converted'], 'webp');
          const meta = await sharp(a.body).metadata();
          assert.deepEqual({ format: meta.format, width: meta.width, height: meta.height }, { format: 'webp', width: 40, height: 20 });
        },
        { binary: true },
      );
      assert.equal(count('GET /photo.png') - before, 2, 'one origin fetch per target');
    });
  });

  describe('geo-block.js', () => {
    it('under dev: 451 for a blocked country, 302 by region, origin otherwise', async () => {
      const blocked = await viaDev('geo-block', '/', {}, { countryCodeAlpha2: 'KP', countryName: 'North Korea' });
      assert.equal(blocked.status, 451);
      assert.equal(blocked.text, 'Unavailable in KP');
      const gd = await viaDev('geo-block', '/?ref=1', {}, { countryCodeAlpha2: 'CN', regionCode: 'GD', cityName: 'Shenzhen' });
      assert.equal(gd.status, 302);
      assert.equal(new URL(gd.headers.location ?? '').pathname, '/cn/guangdong/');
      const there = await viaDev('geo-block', '/cn/guangdong/', {}, { countryCodeAlpha2: 'CN', regionCode: 'GD', cityName: 'Shenzhen' });
      assert.equal(there.status, 200);
      assert.equal(there.text, 'origin GET /cn/guangdong/ cookie=');
      const otherRegion = await viaDev('geo-block', '/', {}, { countryCodeAlpha2: 'CN', regionCode: 'SH' });
      assert.equal(otherRegion.status, 200);
      const us = await viaDev('geo-block', '/home', {}, { countryCodeAlpha2: 'US', regionCode: 'CA' });
      assert.equal(us.status, 200);
      assert.equal(us.text, 'origin GET /home cookie=');
    });

    it('through the gateway, with locations from --geo-file by client address', async () => {
      // Every 127.x.y.z address is loopback: each client address stands for a location in geo.json.
      const from = (localAddress: string, path: string) =>
        new Promise<{ status: number; location: string; text: string }>((resolve, reject) => {
          const req = httpRequest(`${platform.gatewayUrl}${path}`, { localAddress, headers: { host: domains.get('geo-block')! } }, (res) => {
            let text = '';
            res.setEncoding('utf8');
            res.on('data', (d: string) => (text += d));
            res.on('end', () => resolve({ status: res.statusCode ?? 0, location: String(res.headers.location ?? ''), text }));
          });
          req.once('error', reject);
          req.end();
        });
      const blocked = await from('127.0.0.2', '/');
      assert.equal(blocked.status, 451);
      assert.equal(blocked.text, 'Unavailable in KP');
      const gd = await from('127.0.0.3', '/?ref=1');
      assert.equal(gd.status, 302);
      assert.equal(new URL(gd.location).pathname, '/cn/guangdong/');
      const us = await from('127.0.0.4', '/home');
      assert.equal(us.status, 200);
      assert.equal(us.text, 'origin GET /home cookie=');
      const unknown = await viaGateway('geo-block', '/home', {}, false);
      assert.equal(unknown.text, 'origin GET /home cookie=', 'an address outside the file has no geo');
    });
  });

  describe('m3u8-auth.js', () => {
    const path = '/live/channel1/index.m3u8';
    const liveRequests = (): number => [...counts.entries()].filter(([k]) => k.startsWith('GET /live/')).reduce((n, [, c]) => n + c, 0);

    it('passes a valid signature to the origin', async () => {
      const t = now();
      await both('m3u8-auth', `${path}?t=${t}&sign=${md5(signSecret + path + t)}`, {}, (a) => {
        assert.equal(a.status, 200);
        assert.equal(a.headers['content-type'], 'application/vnd.apple.mpegurl');
        assert.match(a.text, /^#EXTM3U\n/);
        assert.ok(a.text.includes(`# ${path}`));
      });
    });

    it('answers 403 for a missing, wrong, expired or other-path signature, without reaching the origin', async () => {
      const before = liveRequests();
      const t = now();
      const old = t - 3600;
      const cases = [
        [path, 'missing signature'],
        [`${path}?t=${t}&sign=${md5(`wrong${path}${t}`)}`, 'bad signature'],
        [`${path}?t=${old}&sign=${md5(signSecret + path + old)}`, 'signature expired'],
        [`/live/channel2/index.m3u8?t=${t}&sign=${md5(signSecret + path + t)}`, 'bad signature'],
        [`${path}?t=${t + 1}&sign=${md5(signSecret + path + t)}`, 'bad signature'],
      ] as const;
      for (const [url, message] of cases) {
        await both('m3u8-auth', url, {}, (a) => {
          assert.equal(a.status, 403, url);
          assert.equal(a.text, message, url);
        });
      }
      assert.equal(liveRequests(), before, 'refused requests never reach the origin');
    });
  });

  describe('hotlink.js', () => {
    it('serves allowed referers and direct requests from the origin, refuses others with 403', async () => {
      const allowed = ['https://www.example.com/gallery', 'http://static.example.com/x', undefined];
      for (const referer of allowed) {
        await both('hotlink', '/img/cat.jpg', { headers: referer ? { referer } : {} }, (a) => {
          assert.equal(a.status, 200, String(referer));
          assert.equal(a.text, 'origin GET /img/cat.jpg cookie=');
        });
      }
      const before = count('GET /img/dog.jpg');
      for (const referer of ['https://evil.example.net/page', 'https://example.com.evil.test/', 'not a url']) {
        await both('hotlink', '/img/dog.jpg', { headers: { referer } }, (a) => {
          assert.equal(a.status, 403, referer);
          assert.equal(a.text, 'hotlinking forbidden');
        });
      }
      assert.equal(count('GET /img/dog.jpg'), before, 'refused requests never reach the origin');
    });
  });

  describe('bulk-redirects.js', () => {
    it('redirects listed paths from the JSON env var and passes the rest to the origin', async () => {
      await both('bulk-redirects', '/old?utm=1', {}, (a) => {
        assert.equal(a.status, 301);
        const location = new URL(a.headers.location ?? '');
        assert.equal(`${location.pathname}${location.search}`, '/new?utm=1');
      });
      await both('bulk-redirects', '/blog/2019/hello', {}, (a) => {
        assert.equal(a.status, 301);
        assert.equal(new URL(a.headers.location ?? '').pathname, '/posts/hello');
      });
      await both('bulk-redirects', '/promo', {}, (a) => {
        assert.equal(a.status, 302);
        assert.equal(a.headers.location, 'https://www.example.com/sale');
      });
      await both('bulk-redirects', '/not-listed', {}, (a) => {
        assert.equal(a.status, 200);
        assert.equal(a.text, 'origin GET /not-listed cookie=');
      });
    });
  });

  describe('combined-protected-image.js', () => {
    const path = '/images/cat.webp';

    it('converts the image for a signed request from an allowed referer', async () => {
      const t = now();
      await both(
        'combined-protected-image',
        `${path}?w=50&t=${t}&sign=${md5(signSecret + path + t)}`,
        { headers: { referer: 'https://www.example.com/' } },
        async (a) => {
          assert.equal(a.status, 200);
          assert.equal(a.headers['content-type'], 'image/webp');
          assert.equal(a.headers['cache-control'], 'public, max-age=600');
          assert.equal(a.headers['x-powered-by'], undefined);
          const meta = await sharp(a.body).metadata();
          assert.deepEqual({ format: meta.format, width: meta.width, height: meta.height }, { format: 'webp', width: 50, height: 25 });
        },
        { binary: true },
      );
    });

    it('refuses a foreign referer and a bad signature', async () => {
      const t = now();
      const signed = `${path}?t=${t}&sign=${md5(signSecret + path + t)}`;
      await both('combined-protected-image', signed, { headers: { referer: 'https://evil.test/' } }, (a) => {
        assert.equal(a.status, 403);
        assert.equal(a.text, 'hotlinking forbidden');
      });
      await both('combined-protected-image', `${path}?t=${t}&sign=${md5(`x${path}${t}`)}`, {}, (a) => {
        assert.equal(a.status, 403);
        assert.equal(a.text, 'bad signature');
      });
      await both('combined-protected-image', path, {}, (a) => {
        assert.equal(a.status, 403);
        assert.equal(a.text, 'expired or unsigned');
      });
    });
  });

  describe('combined-ab-post-cache.js', () => {
    it('caches POST answers per A/B group and sets the group cookie for new visitors', async () => {
      const bodyFor = (t: Target): string => `items=3&target=${t}`;
      const post = (cookie?: string) => (t: Target): Init => ({ method: 'POST', body: bodyFor(t), headers: { 'content-type': 'application/x-www-form-urlencoded', ...(cookie ? { cookie } : {}) } });
      await both('combined-ab-post-cache', '/api/cart?force=b', post(), (a, t) => {
        assert.equal(a.status, 200);
        assert.equal(a.headers['x-cache'], 'MISS');
        assert.equal(a.headers['x-ab-group'], 'b');
        assert.deepEqual(a.setCookies, ['eo-ab=b; Path=/; Max-Age=3600; SameSite=Lax']);
        assert.deepEqual(JSON.parse(a.text), { path: '/api/cart', body: bodyFor(t), n: 1 });
      });
      await sleep(400);
      await both('combined-ab-post-cache', '/api/cart', post('eo-ab=b'), (a, t) => {
        assert.equal(a.headers['x-cache'], 'HIT');
        assert.equal(a.headers['x-ab-group'], 'b');
        assert.deepEqual(a.setCookies, []);
        assert.deepEqual(JSON.parse(a.text), { path: '/api/cart', body: bodyFor(t), n: 1 });
      });
      await both('combined-ab-post-cache', '/api/cart', post('eo-ab=a'), (a, t) => {
        assert.equal(a.headers['x-cache'], 'MISS', 'group a has its own cache entry');
        assert.equal(a.headers['x-ab-group'], 'a');
        assert.deepEqual(JSON.parse(a.text), { path: '/api/cart', body: bodyFor(t), n: 2 });
      });
    });
  });

  describe('crypto-suite.js', () => {
    it('round-trips PBKDF2/AES-CBC, AES-CTR, RSA-OAEP, AES-KW wrapping and HMAC', async () => {
      await both('crypto-suite', '/', {}, (a) => {
        assert.equal(a.status, 200);
        assert.deepEqual(JSON.parse(a.text), { cbc: true, ctr: true, oaep: true, wrappedBytes: 40, kw: true, hmac: true });
      });
    });
  });

  describe('subrequest-options.js', () => {
    it('caches subrequests under eo.cacheKey for eo.cacheTtl', async () => {
      await both('subrequest-options', (t) => `/cached?tag=${t}`, {}, (a, t) => {
        const { first, second } = JSON.parse(a.text) as { first: string; second: string };
        assert.equal(first, `origin answer 1 for /counted-sub?tag=${t}&n=1`);
        assert.equal(second, first, 'the second subrequest came from the cache');
        assert.equal(count(`GET /counted-sub?tag=${t}&n=2`), 0);
      });
    });

    it('gives up on a slow origin after eo.timeoutSetting', async () => {
      await both('subrequest-options', '/slow', {}, (a) => {
        assert.equal(a.status, 504);
        assert.equal(a.text, 'timed out: TypeError');
      });
    });

    it('stops following redirects after maxFollow', async () => {
      await both('subrequest-options', '/follow', {}, (a) => {
        assert.equal(a.status, 508);
        assert.match(a.text, /^TypeError: .*more than 1 redirects/);
      });
    });

    it('connects to eo.resolveOverride while keeping the requested Host', async () => {
      await both('subrequest-options', '/override', {}, (a) => {
        assert.equal(a.text, 'host=api.internal.test');
      });
    });
  });
});
