/**
 * The web console in real headless Chromium against a real `edgefn serve`: the seed's click-path
 * (sign in, New Replica, edit, test, Compare and Sync, roll back), the conflict flow, the replica
 * limit, secrets never rendered, a replica on real traffic (a guarded rollout that stops by
 * itself, shadow traffic and its report, metrics against production), sign-out, a narrow window,
 * and the page's CSP holding with no violations. Screenshots of each step go to
 * test-results/console/.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Locator, Page } from 'playwright-core';
import { startServeProcess, type ServeProcess } from '../helpers/serve-process.ts';
import { launchBrowser } from '../helpers/browser.ts';

const token = 'test-token';
const shots = join('test-results', 'console');
const dir = mkdtempSync(join(tmpdir(), 'edgefn-console-'));
const secret = 'sk-console-never-shown-4242';

const code = (label: string) => `addEventListener('fetch', (event) => {
  console.log('${label} saw ' + new URL(event.request.url).pathname);
  event.respondWith(new Response('${label} answers'));
});
`;

// Fails on /fail, as a replica under test might.
const failing = `addEventListener('fetch', (event) => {
  const path = new URL(event.request.url).pathname;
  if (path === '/fail') throw new Error('not ready for ' + path);
  event.respondWith(new Response('guarded answers'));
});
`;

interface ShadowReportBody {
  report: { pairs: number; skipped: number } | null;
}
interface Summary {
  requests: number;
  errorRate: number | null;
}
interface MetricsBody {
  production: Summary;
  replica: Summary & { byTraffic: Record<'header' | 'rollout' | 'shadow', Summary> };
}

let serve: ServeProcess;
let browser: Browser;
let page: Page;
let functionId = '';
const problems: string[] = [];

async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(`${serve.apiUrl}/api/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  assert.ok(res.ok, `${method} ${path}: ${res.status} ${text}`);
  return (text ? JSON.parse(text) : {}) as T;
}

async function until<T>(what: string, get: () => Promise<T>, ok: (value: T) => boolean): Promise<T> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const value = await get();
    if (ok(value)) return value;
    if (Date.now() > deadline) assert.fail(`${what}: ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** What production (or a replica) answers through the gateway, as a client sees it. */
function viaGateway(replica?: string, path = '/pic'): Promise<string> {
  const url = new URL(serve.gatewayUrl);
  return new Promise((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, path, setHost: false, headers: { host: 'www.example.com', ...(replica ? { 'eo-function-replica-name': replica } : {}) } }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (c: string) => (text += c)).on('end', () => resolve(text));
    });
    req.on('error', reject).end();
  });
}

let step = 0;
const shot = (name: string) => page.screenshot({ path: join(shots, `${String(++step).padStart(2, '0')}-${name}.png`), fullPage: true });

/** Replaces the text of a CodeMirror editor as a user would: select all, type. */
async function typeCode(editor: Locator, text: string): Promise<void> {
  await editor.click();
  await page.keyboard.press('ControlOrMeta+a');
  await page.keyboard.press('Delete');
  await page.keyboard.insertText(text);
}

describe('web console in Chromium', () => {
  before(async () => {
    rmSync(shots, { recursive: true, force: true });
    mkdirSync(shots, { recursive: true });
    serve = await startServeProcess(join(dir, 'data'));
    const zone = await api<{ id: string }>('POST', '/zones', { name: 'example.com', origin: 'http://127.0.0.1:9' });
    const fn = await api<{ id: string }>('POST', '/functions', { zoneId: zone.id, name: 'hello', content: code('production'), remark: 'the seed function' });
    functionId = fn.id;
    await api('POST', `/zones/${zone.id}/rules`, { conditions: [[{ target: 'host', operator: 'equal', values: ['www.example.com'] }]], functionId });
    const next = await api<{ id: string }>('POST', '/functions', { zoneId: zone.id, name: 'hello-next', content: code('next') });
    await api('POST', `/zones/${zone.id}/rules`, { conditions: [[{ target: 'host', operator: 'equal', values: ['canary.example.com'] }]], action: { type: 'weight', targets: [{ functionId, weight: 90 }, { functionId: next.id, weight: 10 }], sticky: { by: 'cookie', name: 'uid' } } });
    await api('PUT', `/functions/${functionId}/env/GREETING`, { value: 'hi', type: 'string' });
    await api('PUT', `/functions/${functionId}/env/API_KEY`, { value: secret, type: 'secret' });
    browser = await launchBrowser();
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    page.on('console', (m) => {
      // The API's refusals the tests provoke (401, 400, 409) are logged by Chromium; anything else counts.
      if (m.type() === 'error' && !/Failed to load resource: the server responded with a status of (400|401|409)/.test(m.text())) problems.push(m.text());
    });
    page.on('pageerror', (e) => problems.push(String(e)));
  });
  after(async () => {
    await browser?.close();
    await serve?.kill9();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves the console with a strict CSP and immutable hashed assets', async () => {
    const res = await fetch(`${serve.apiUrl}/`);
    assert.equal(res.status, 200);
    const csp = res.headers.get('content-security-policy') ?? '';
    assert.match(csp, /default-src 'none'/);
    assert.match(csp, /script-src 'self'(;|$)/);
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
    assert.equal(res.headers.get('cache-control'), 'no-store');
    const html = await res.text();
    const script = /src="(\/assets\/app-[A-Z0-9]+\.js)"/.exec(html)?.[1];
    assert.ok(script, html);
    const asset = await fetch(`${serve.apiUrl}${script}`);
    assert.equal(asset.headers.get('content-type'), 'text/javascript; charset=utf-8');
    assert.match(asset.headers.get('cache-control') ?? '', /immutable/);
    assert.equal((await fetch(`${serve.apiUrl}/assets/nope.js`)).status, 404);
    assert.equal((await fetch(`${serve.apiUrl}/api/v1/zones`)).status, 401, 'the API is unchanged under /api/v1');
  });

  it('explains a wrong token, then signs in', async () => {
    await page.goto(`${serve.apiUrl}/`);
    await page.getByLabel('Admin token').fill('not-the-token');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').filter({ hasText: 'That token was refused' }).waitFor();
    assert.match((await page.getByRole('alert').textContent()) ?? '', /\[UnauthorizedOperation\.Unauthorized\]/);
    await shot('sign-in-refused');
    await page.getByLabel('Admin token').fill(token);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Function Management' }).waitFor();
    await page.getByRole('link', { name: 'hello', exact: true }).waitFor();
    assert.equal(await page.evaluate('document.cookie'), '', 'the token is never a cookie');
    assert.equal(await page.evaluate("sessionStorage.getItem('edgefn.token')"), token);
    await shot('function-management');
  });

  it('creates a function by clicks; broken code is marked at its line first', async () => {
    await page.getByRole('button', { name: 'Create function' }).click();
    const dialog = page.getByRole('dialog', { name: 'Create function' });
    await dialog.getByLabel('Function name').fill('made-in-console');
    await typeCode(dialog.getByRole('textbox', { name: 'Function code' }), 'addEventListener("fetch", (e) => {\n  e.respondWith(new Response("made"))\n');
    await dialog.getByRole('button', { name: 'Create' }).click();
    await dialog.getByRole('alert').filter({ hasText: 'InvalidParameter.BadContent' }).waitFor();
    await dialog.locator('.cm-lintRange-error, .cm-lintPoint-error').first().waitFor({ state: 'attached' });
    await typeCode(dialog.getByRole('textbox', { name: 'Function code' }), 'addEventListener("fetch", (e) => e.respondWith(new Response("made")));\n');
    await dialog.getByRole('button', { name: 'Create' }).click();
    await page.getByRole('heading', { name: 'made-in-console' }).waitFor();
    await page.getByRole('link', { name: 'Function Management' }).click();
    await page.getByRole('link', { name: 'hello', exact: true }).waitFor();
  });

  it('runs the seed flow by clicks: New Replica, edit, test, Compare and Sync, roll back', async () => {
    await page.getByRole('link', { name: 'hello', exact: true }).click();
    await page.getByRole('heading', { name: 'Code Replica' }).waitFor();
    await page.getByText('runs 90% of matching requests, sticky by cookie uid').waitFor();
    await shot('function-details');

    // New Replica from production; Save; an invalid name, then a valid one.
    await page.getByRole('button', { name: 'New Replica' }).click();
    const dialog = page.getByRole('dialog', { name: 'New Replica' });
    await dialog.getByLabel('Copy production code').check();
    await dialog.getByRole('textbox', { name: 'Replica code' }).filter({ hasText: 'production saw' }).waitFor();
    await dialog.getByRole('button', { name: 'Save' }).click();
    await dialog.getByLabel('Replica name').fill('Test--Replica');
    await dialog.getByText('Only lowercase letters a-z, digits 0-9 and hyphens.').waitFor();
    assert.equal(await dialog.getByRole('button', { name: 'Create' }).isDisabled(), true);
    await dialog.getByLabel('Replica name').fill('test--replica');
    await dialog.getByText('No two hyphens in a row.').waitFor();
    await shot('replica-name-invalid');
    await dialog.getByLabel('Replica name').fill('test-replica');
    await dialog.getByRole('button', { name: 'Create' }).click();
    await page.getByRole('cell', { name: 'test-replica', exact: true }).waitFor();

    // Edit: a syntax error is shown in the editor at its line; then the fix is saved.
    await page.getByRole('button', { name: 'Edit test-replica' }).click();
    const edit = page.getByRole('dialog', { name: 'Edit replica test-replica' });
    const editor = edit.getByRole('textbox', { name: 'Replica code' });
    await editor.filter({ hasText: 'production saw' }).waitFor();
    await typeCode(editor, `${code('replica')}\nfunction (\n`);
    await edit.getByRole('button', { name: 'Save' }).click();
    await edit.getByRole('alert').filter({ hasText: 'InvalidParameter.BadContent' }).waitFor();
    await edit.locator('.cm-lintRange-error').first().waitFor();
    await shot('replica-syntax-error');
    await typeCode(editor, code('replica'));
    await edit.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('status').filter({ hasText: 'Saved replica test-replica' }).waitFor();
    assert.equal(await viaGateway('test-replica'), 'replica answers');
    assert.equal(await viaGateway(), 'production answers');

    // Send to the replica: the new code's response and its console line.
    await page.getByLabel('Target').selectOption('test-replica');
    await page.getByLabel('Path').fill('/pic');
    await page.getByRole('button', { name: 'Send', exact: true }).click();
    const result = page.getByRole('region', { name: 'Replica test-replica' });
    await result.getByLabel('Response body').filter({ hasText: 'replica answers' }).waitFor();
    await result.getByLabel('Console output').filter({ hasText: '[log] replica saw /pic' }).waitFor();
    await page.getByRole('button', { name: 'Send to both' }).click();
    await page.getByRole('region', { name: 'Production' }).getByLabel('Response body').filter({ hasText: 'production answers' }).waitFor();
    await shot('send-to-both');

    // Compare and Sync, Confirm Sync, Sync to production.
    const before = (await api<{ productionVersion: { id: string } }>('GET', `/functions/${functionId}`)).productionVersion.id;
    await page.getByRole('button', { name: 'Compare and Sync to Production Code: test-replica' }).click();
    const compare = page.getByRole('dialog', { name: 'Compare replica test-replica with production' });
    await compare.locator('.cm-mergeView').waitFor();
    await shot('compare');
    await compare.getByRole('button', { name: 'Confirm Sync' }).click();
    const confirm = page.getByRole('dialog', { name: 'Sync to production' });
    await confirm.getByText(before).waitFor();
    await confirm.getByText('can be restored', { exact: false }).or(confirm.getByText('Roll back restores it', { exact: false })).first().waitFor();
    await shot('sync-confirm');
    await confirm.getByRole('button', { name: 'Sync to production' }).click();
    await page.getByRole('status').filter({ hasText: 'Synced: production is now' }).waitFor();
    assert.equal(await viaGateway(), 'replica answers', 'production serves the synced code');

    // A comparison that went stale (production moved) is refused and shown anew.
    await api('PATCH', `/functions/${functionId}/replicas/test-replica`, { content: code('replica-two') });
    await page.getByRole('button', { name: 'Compare and Sync to Production Code: test-replica' }).click();
    const stale = page.getByRole('dialog', { name: 'Compare replica test-replica with production' });
    await stale.locator('.cm-mergeView').filter({ hasText: 'replica-two saw' }).waitFor();
    await api('PATCH', `/functions/${functionId}`, { content: code('moved') });
    await stale.getByRole('button', { name: 'Confirm Sync' }).click();
    await page.getByRole('dialog', { name: 'Sync to production' }).getByRole('button', { name: 'Sync to production' }).click();
    await stale.getByRole('alert').filter({ hasText: 'The code changed after this comparison, so nothing was synced' }).waitFor();
    await stale.locator('.cm-mergeView').filter({ hasText: 'moved saw' }).waitFor();
    assert.equal(await viaGateway(), 'moved answers', 'nothing was synced');
    await shot('sync-stale');
    await stale.getByRole('button', { name: 'Close' }).click();
    await page.reload();

    // A rollout: a share of production traffic runs the replica.
    await page.getByRole('button', { name: 'Rollout of test-replica' }).click();
    const rolloutDialog = page.getByRole('dialog', { name: 'Rollout of test-replica' });
    await rolloutDialog.getByLabel('Share of production traffic (%)').fill('100');
    await rolloutDialog.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('status').filter({ hasText: 'now serves 100% of production traffic' }).waitFor();
    await page.getByRole('cell', { name: '100% of production' }).waitFor();
    assert.equal(await viaGateway(), 'replica-two answers', 'production traffic runs the replica');
    await page.getByRole('button', { name: 'Rollout of test-replica' }).click();
    await rolloutDialog.getByLabel('Share of production traffic (%)').fill('0');
    await rolloutDialog.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('status').filter({ hasText: 'Rollout of test-replica ended' }).waitFor();
    assert.equal(await viaGateway(), 'moved answers');

    // Roll back to the version that was replaced.
    await page.getByRole('button', { name: `Roll back to ${before}` }).click();
    await page.getByRole('dialog', { name: 'Roll back' }).getByRole('button', { name: 'Roll back' }).click();
    await page.getByRole('status').filter({ hasText: 'Rolled back' }).waitFor();
    assert.equal(await viaGateway(), 'production answers', 'the rollback is served');
    await shot('rolled-back');
  });

  it('keeps the user\'s text when someone else saved first, and explains with a diff', async () => {
    await page.getByRole('button', { name: 'Edit test-replica' }).click();
    const edit = page.getByRole('dialog', { name: 'Edit replica test-replica' });
    const editor = edit.getByRole('textbox', { name: 'Replica code' });
    await editor.filter({ hasText: 'replica-two saw' }).waitFor();
    await api('PATCH', `/functions/${functionId}/replicas/test-replica`, { content: code('someone-else') });
    await typeCode(editor, code('mine'));
    await edit.getByRole('button', { name: 'Save' }).click();
    await edit.getByRole('status').filter({ hasText: 'Someone else saved this replica' }).waitFor();
    await edit.locator('.cm-mergeView').filter({ hasText: 'someone-else saw' }).waitFor();
    assert.match((await editor.textContent()) ?? '', /mine saw/, 'the user\'s text stays in the editor');
    assert.equal(await viaGateway('test-replica'), 'someone-else answers');
    await shot('conflict');
    await edit.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('status').filter({ hasText: 'Saved replica test-replica' }).waitFor();
    assert.equal(await viaGateway('test-replica'), 'mine answers');
  });

  it('disables New Replica at two replicas and says why; never renders a secret', async () => {
    await api('POST', `/functions/${functionId}/replicas`, { name: 'second', from: 'production' });
    await page.reload();
    await page.getByRole('cell', { name: 'second', exact: true }).waitFor();
    const button = page.getByRole('button', { name: 'New Replica' });
    assert.equal(await button.isDisabled(), true);
    await page.getByText('A function has at most 2 replicas').waitFor();
    await page.getByRole('cell', { name: 'API_KEY', exact: true }).waitFor();
    assert.doesNotMatch(await page.content(), new RegExp(secret));
    await shot('replica-limit');
    // Deleting one (after a confirmation) makes room again.
    await page.getByRole('button', { name: 'Delete second' }).click();
    await page.getByRole('dialog', { name: 'Delete replica' }).getByRole('button', { name: 'Delete replica' }).click();
    await page.getByRole('status').filter({ hasText: 'Deleted replica second' }).waitFor();
    await page.getByRole('cell', { name: 'second', exact: true }).waitFor({ state: 'detached' });
    assert.equal(await button.isDisabled(), false);
    await api('POST', `/functions/${functionId}/replicas`, { name: 'second', from: 'production' });
    await page.reload();
    await page.getByRole('cell', { name: 'second', exact: true }).waitFor();
  });

  it('sets a rollout with a guard, and shows that it stopped by itself and why', async () => {
    const replicaPath = `/functions/${functionId}/replicas/test-replica`;
    await api('PATCH', replicaPath, { content: failing });
    await page.reload();
    await page.getByRole('button', { name: 'Rollout of test-replica' }).click();
    const dialog = page.getByRole('dialog', { name: 'Rollout of test-replica' });
    await dialog.getByLabel('Share of production traffic (%)').fill('100');
    await dialog.getByLabel('Stop by itself when too many rollout requests fail').check();
    await dialog.getByLabel('Error rate above (%)').fill('20');
    await dialog.getByLabel('Minimum requests').fill('5');
    await shot('rollout-guard-dialog');
    await dialog.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('status').filter({ hasText: 'Replica test-replica now serves 100% of production traffic' }).waitFor();
    await page.getByRole('cell', { name: 'Stops by itself above 20% errors, judged after 5 requests' }).waitFor();
    assert.deepEqual((await api<{ rollout: { abortIf: unknown } }>('GET', replicaPath)).rollout.abortIf, { errorRate: 0.2, minRequests: 5 });
    await shot('rollout-guard');

    // One replica of a function on a rollout at a time: the refusal is shown in the dialog.
    await page.getByRole('button', { name: 'Rollout of second' }).click();
    const other = page.getByRole('dialog', { name: 'Rollout of second' });
    await other.getByLabel('Share of production traffic (%)').fill('10');
    await other.getByRole('button', { name: 'Save' }).click();
    await other.getByRole('alert').filter({ hasText: '[FailedOperation.RolloutInProgress]' }).waitFor();
    await other.getByRole('button', { name: 'Close' }).click();

    // One good request, then failures: 4 of 5 failed is above 20%.
    assert.equal(await viaGateway(undefined, '/ok'), 'guarded answers', 'production traffic runs the replica');
    for (let i = 0; i < 4; i++) await viaGateway(undefined, '/fail');
    // The table watches a guarded rollout: the warning comes without a reload.
    const warning = page.getByText('Rollout stopped by itself at');
    await warning.waitFor({ timeout: 20_000 });
    assert.match((await warning.textContent()) ?? '', /\(it was at 100%\): 4 of 5 rollout requests failed \(80%\), more than abortIf\.errorRate 20%/);
    await page.getByRole('cell', { name: 'stopped by itself', exact: true }).waitFor();
    assert.equal(await viaGateway(undefined, '/fail'), 'production answers', 'production has all its traffic again');
    await shot('rollout-stopped');
    // The next rollout dialog says so too, and saving one clears it.
    await page.getByRole('button', { name: 'Rollout of test-replica' }).click();
    await dialog.getByText('Saving a new rollout clears this.').waitFor();
    await dialog.getByRole('button', { name: 'Close' }).click();
  });

  it('mirrors production to a replica (Shadow) and shows the Shadow report', async () => {
    const reportPath = `/functions/${functionId}/replicas/test-replica/shadow/report`;
    await page.getByRole('button', { name: 'Shadow of test-replica', exact: true }).click();
    const dialog = page.getByRole('dialog', { name: 'Shadow of test-replica' });
    assert.equal(await dialog.getByLabel('GET', { exact: true }).isChecked(), true);
    assert.equal(await dialog.getByLabel('HEAD', { exact: true }).isChecked(), true);
    assert.equal(await dialog.getByLabel('POST', { exact: true }).isChecked(), false);
    await dialog.getByLabel('POST', { exact: true }).check();
    await dialog.getByText('The replica runs POST requests a second time').waitFor();
    await dialog.getByLabel('POST', { exact: true }).uncheck();
    await dialog.getByLabel('Share of production requests (%)').fill('100');
    await shot('shadow-dialog');
    await dialog.getByRole('button', { name: 'Start' }).click();
    await page.getByRole('status').filter({ hasText: 'Replica test-replica now receives copies of 100% of production GET, HEAD requests.' }).waitFor();
    await page.getByRole('cell', { name: /^100% of production GET, HEAD requests, since / }).waitFor();

    // Only one replica shadows at a time: the refusal is shown in the dialog.
    await page.getByRole('button', { name: 'Shadow of second', exact: true }).click();
    const other = page.getByRole('dialog', { name: 'Shadow of second' });
    await other.getByRole('button', { name: 'Start' }).click();
    await other.getByRole('alert').filter({ hasText: '[FailedOperation.ShadowInProgress]' }).waitFor();
    await shot('shadow-in-progress');
    await other.getByRole('button', { name: 'Close' }).click();

    // Clients get production's answers; the replica answers copies (and fails on /fail).
    const pairs = (n: number) => until(`${n} pairs`, () => api<ShadowReportBody>('GET', reportPath), (b) => (b.report?.pairs ?? 0) + (b.report?.skipped ?? 0) >= n);
    for (const [i, path] of ['/pic', '/fail', '/other'].entries()) {
      assert.equal(await viaGateway(undefined, path), 'production answers');
      await pairs(i + 1);
    }
    await page.getByRole('button', { name: 'Shadow report of test-replica' }).click();
    const report = page.getByRole('dialog', { name: 'Shadow report of test-replica' });
    await report.getByText('Shadow on: 100% of production GET, HEAD requests').waitFor();
    assert.match((await report.locator('dl.facts').textContent()) ?? '', /Pairs3Matches0Skipped0/);
    const rates = report.getByRole('row', { name: /^Error rate/ });
    assert.deepEqual(await rates.getByRole('cell').allTextContents(), ['0%', '33.33%']);
    const outcome = report.getByRole('region', { name: 'Differs in outcome' });
    await outcome.getByText('GET /fail').waitFor();
    assert.match((await outcome.getByLabel('Production').textContent()) ?? '', /^ok · status 200/);
    assert.match((await outcome.getByLabel('Replica').textContent()) ?? '', /^FunctionRuntime\.UncaughtException · status \d+/);
    const body = report.getByRole('region', { name: 'Differs in body' });
    await body.getByText('GET /pic').waitFor();
    await body.getByText('GET /other').waitFor();
    assert.match((await body.getByLabel('Production').first().textContent()) ?? '', /body sha256 [0-9a-f]{16}…/);
    await shot('shadow-report');

    // Refresh reads the report again.
    assert.equal(await viaGateway(undefined, '/again'), 'production answers');
    await pairs(4);
    await report.getByRole('button', { name: 'Refresh' }).click();
    await report.locator('dl.facts').filter({ hasText: 'Pairs4' }).waitFor();
    await report.getByRole('button', { name: 'Close' }).click();

    // Stop: the table says off, and the last report stays readable.
    await page.getByRole('button', { name: 'Shadow of test-replica', exact: true }).click();
    await dialog.getByRole('button', { name: 'Stop' }).click();
    await page.getByRole('status').filter({ hasText: 'Shadow traffic to test-replica ended.' }).waitFor();
    assert.equal((await api<{ shadow: unknown }>('GET', `/functions/${functionId}/replicas/test-replica`)).shadow, null);
    await page.getByRole('button', { name: 'Shadow report of test-replica' }).click();
    await report.getByText('Shadow off: this is the report of the last one.').waitFor();
    await report.getByRole('button', { name: 'Close' }).click();
  });

  it('compares a replica\'s metrics with production, split by how requests reached it', async () => {
    const compare = (seconds: number) => api<MetricsBody>('GET', `/functions/${functionId}/metrics/compare?replica=test-replica&window=${seconds}`);
    const count = (s: Summary) => String(s.requests);
    const expected = await compare(900);
    assert.equal(expected.replica.byTraffic.rollout.requests, 5);
    assert.equal(expected.replica.byTraffic.shadow.requests, 4);
    await page.getByRole('button', { name: 'Compare metrics of test-replica' }).click();
    const dialog = page.getByRole('dialog', { name: 'Metrics of test-replica against production' });
    const requests = dialog.getByRole('row', { name: /^Requests/ });
    await requests.waitFor();
    const { production: p, replica: r } = expected;
    assert.deepEqual(await requests.getByRole('cell').allTextContents(), [p, r, r.byTraffic.header, r.byTraffic.rollout, r.byTraffic.shadow].map(count));
    // No request reached this revision by its header: no rate and no times, shown as "—".
    const rates = await dialog.getByRole('row', { name: /^Error rate/ }).getByRole('cell').allTextContents();
    assert.deepEqual(rates.slice(2), ['—', '80%', '25%']);
    assert.match((await dialog.getByRole('row', { name: /^Wall time p95/ }).getByRole('cell').allTextContents()).join(' | '), /^[\d.]+ ms \| [\d.]+ ms \| — \| [\d.]+ ms \| [\d.]+ ms$/);
    await shot('compare-metrics');

    await dialog.getByLabel('Window').selectOption({ label: 'Last 5 minutes' });
    const recent = await compare(300);
    await until('the 5-minute window', () => requests.getByRole('cell').allTextContents(), (got) => got[3] === count(recent.replica.byTraffic.rollout) && got[0] === count(recent.production));
    await dialog.getByRole('button', { name: 'Close' }).click();
  });

  it('shows live logs per variant', async () => {
    await page.getByRole('link', { name: 'Logs' }).click();
    await page.getByRole('status').filter({ hasText: 'Live' }).waitFor();
    await viaGateway('second');
    await page.getByRole('list', { name: 'Invocation records' }).getByText('[log] production saw /pic').first().waitFor();
    await page.getByLabel('Variant').selectOption('second');
    await shot('logs');
    // A replica's records say how it got each request.
    await page.getByLabel('Variant').selectOption('test-replica');
    const records = page.getByRole('list', { name: 'Invocation records' });
    for (const via of ['header', 'rollout', 'shadow']) await records.locator('.tag').filter({ hasText: new RegExp(`^${via}$`) }).first().waitFor();
    await shot('logs-via');
    await page.goBack();
  });

  it('creates an API key (its SecretKey shown once), lists it without the secret, and deletes it', async () => {
    await page.getByRole('link', { name: 'API keys' }).click();
    await page.getByRole('heading', { name: 'API keys' }).waitFor();
    await page.getByRole('button', { name: 'Create API key' }).click();
    const dialog = page.getByRole('dialog', { name: 'Create API key' });
    await dialog.getByRole('textbox', { name: 'Remark' }).fill('deploy job');
    await dialog.getByRole('button', { name: 'Create' }).click();
    const created = page.getByRole('dialog', { name: 'API key created' });
    const secretId = await created.getByRole('textbox', { name: 'SecretId' }).inputValue();
    const secretKey = await created.getByRole('textbox', { name: 'SecretKey' }).inputValue();
    assert.match(secretId, /^AKID[A-Za-z0-9]{32}$/);
    assert.match(secretKey, /^[A-Za-z0-9]{32}$/);
    await shot('api-key-created');
    await created.getByRole('button', { name: 'Done' }).click();
    await page.getByRole('cell', { name: secretId, exact: true }).waitFor();
    assert.ok(!(await page.content()).includes(secretKey), 'the SecretKey is not on the page once the dialog closed');
    const listed = await api<{ apiKeys: { secretId: string; remark: string }[] }>('GET', '/api-keys');
    assert.deepEqual(listed.apiKeys.map((k) => [k.secretId, k.remark]), [[secretId, 'deploy job']]);
    await page.getByRole('button', { name: `Delete ${secretId}` }).click();
    await page.getByRole('dialog', { name: 'Delete API key' }).getByRole('button', { name: 'Delete' }).click();
    await page.getByRole('cell', { name: secretId, exact: true }).waitFor({ state: 'detached' });
    assert.deepEqual((await api<{ apiKeys: unknown[] }>('GET', '/api-keys')).apiKeys, []);
    await page.getByRole('link', { name: 'edgefn' }).click();
    await page.getByRole('heading', { name: 'Function Management' }).waitFor();
  });

  it('works in a 390 px window and by keyboard', async () => {
    await page.setViewportSize({ width: 390, height: 800 });
    await page.goto(`${serve.apiUrl}/#/functions/${functionId}`);
    await page.getByRole('heading', { name: 'Code Replica' }).waitFor();
    const overflow = (await page.evaluate('document.documentElement.scrollWidth - document.documentElement.clientWidth')) as number;
    const wide = await page.evaluate(`[...document.querySelectorAll('body *')].filter((e) => e.getBoundingClientRect().right > document.documentElement.clientWidth + 0.5).slice(0, 5).map((e) => e.tagName + '.' + e.className).join(' ')`);
    assert.ok(overflow <= 0, `the page scrolls sideways by ${overflow} px: ${String(wide)}`);
    await shot('narrow');
    await page.setViewportSize({ width: 1280, height: 800 });
    // Keyboard: Tab reaches the replica actions, Enter opens the dialog, Escape closes it.
    await page.getByRole('button', { name: 'Edit test-replica' }).focus();
    await page.keyboard.press('Enter');
    await page.getByRole('dialog', { name: 'Edit replica test-replica' }).waitFor();
    await page.keyboard.press('Escape');
    await page.getByRole('dialog').waitFor({ state: 'detached' });
  });

  it('signs out: the token is gone and the sign-in page is back', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByLabel('Admin token').waitFor();
    assert.equal(await page.evaluate("sessionStorage.getItem('edgefn.token')"), null);
    await page.reload();
    await page.getByLabel('Admin token').waitFor();
    assert.deepEqual(problems, [], 'no script errors and no CSP violations');
  });
});
