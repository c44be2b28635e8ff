/**
 * The built `edgefn` CLI as a user runs it: a subprocess against a real `edgefn serve` on free
 * ports, with its own HOME. The seed's replica workflow end to end, `--json`, exit codes, prompts
 * answered on a pseudo-terminal, `replicas edit` with a scripted editor, secrets, and `logs tail`.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { startServeProcess, type ServeProcess } from '../helpers/serve-process.ts';
import { cliHome, ptyCli, runCli, type CliResult } from '../helpers/cli.ts';

const token = 'test-token';
const dir = mkdtempSync(join(tmpdir(), 'edgefn-cli-'));
const file = (name: string, text: string): string => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};
const code = (label: string) => `addEventListener('fetch', (event) => {
  console.log('${label} saw ' + new URL(event.request.url).pathname);
  event.respondWith(new Response('${label} ' + (env.GREETING ?? '') + (env.API_KEY ? ' key-length=' + env.API_KEY.length : '')));
});
`;

let serve: ServeProcess;
let home: Record<string, string>;
const cli = (args: string[], input?: string): Promise<CliResult> => runCli(args, home, input);
const ok = async (args: string[], input?: string): Promise<CliResult> => {
  const result = await cli(args, input);
  assert.equal(result.code, 0, `edgefn ${args.join(' ')} exited ${result.code}\nstdout: ${result.stdout}\nstderr: ${result.stderr}`);
  return result;
};
const json = async (args: string[], input?: string): Promise<Record<string, unknown>> => JSON.parse((await ok([...args, '--json'], input)).stdout) as Record<string, unknown>;
const apiGet = async (path: string): Promise<Record<string, unknown>> => {
  const res = await fetch(`${serve.apiUrl}/api/v1${path}`, { headers: { authorization: `Bearer ${token}` } });
  return (await res.json()) as Record<string, unknown>;
};
const gatewayText = async (host: string, path: string, replica?: string): Promise<string> => {
  const url = new URL(path, serve.gatewayUrl);
  const { request } = await import('node:http');
  return new Promise((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, path: url.pathname, setHost: false, headers: { host, ...(replica ? { 'eo-function-replica-name': replica } : {}) } }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (chunk: string) => (text += chunk)).on('end', () => resolve(text));
    });
    req.on('error', reject).end();
  });
};

describe('edgefn CLI against edgefn serve', () => {
  let functionId = '';
  let firstVersion = '';

  before(async () => {
    serve = await startServeProcess(join(dir, 'data'));
    home = cliHome();
  });
  after(async () => {
    await serve.kill9();
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses API commands before login, with what to do (exit 1)', async () => {
    const result = await cli(['zones', 'list']);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /not logged in: run `edgefn login --api URL --token-stdin`/);
  });

  it('logs in with the token on stdin: checked first, saved mode 0600, never printed', async () => {
    const wrong = await cli(['login', '--api', serve.apiUrl, '--token-stdin'], 'not-the-token\n');
    assert.equal(wrong.code, 1);
    assert.match(wrong.stderr, /UnauthorizedOperation\.Unauthorized/);
    assert.equal(existsSync(join(home.XDG_CONFIG_HOME!, 'edgefn', 'config.json')), false, 'a refused login saves nothing');

    const result = await ok(['login', '--api', serve.apiUrl, '--token-stdin'], `${token}\n`);
    const path = join(home.XDG_CONFIG_HOME!, 'edgefn', 'config.json');
    assert.equal(statSync(path).mode & 0o777, 0o600);
    assert.deepEqual(JSON.parse(readFileSync(path, 'utf8')), { api: serve.apiUrl, token });
    assert.doesNotMatch(result.stdout + result.stderr, new RegExp(token));
  });

  it('runs the seed workflow: zone, function, rule, replica from production, update, test, diff, sync, rollback', async () => {
    const zone = await json(['zones', 'create', 'example.com', '--origin', 'http://127.0.0.1:9']);
    assert.match(zone.id as string, /^zone-/);
    const fn = await json(['functions', 'create', 'hello', '--zone', 'example.com', '--file', file('v1.js', code('production'))]);
    functionId = fn.id as string;
    firstVersion = (fn.productionVersion as { id: string }).id;
    assert.match(fn.domain as string, /^hello-/);

    const rule = await json(['rules', 'create', '--zone', 'example.com', '--function', 'hello', '--when', 'host equal www.example.com', '--when', 'url equal /pic']);
    assert.deepEqual(rule.conditions, [[
      { target: 'host', operator: 'equal', values: ['www.example.com'], ignoreCase: false },
      { target: 'url', operator: 'equal', values: ['/pic'], ignoreCase: false },
    ]]);
    assert.equal(await gatewayText('www.example.com', '/pic'), 'production ');

    await ok(['replicas', 'create', 'hello', 'test-replica', '--zone', 'example.com', '--from-production']);
    const updated = await json(['replicas', 'update', 'hello', 'test-replica', '--zone', 'example.com', '--file', file('v2.js', code('replica'))]);
    assert.equal(updated.revision, 2);
    assert.equal(await gatewayText('www.example.com', '/pic', 'test-replica'), 'replica ');
    assert.equal(await gatewayText('www.example.com', '/pic'), 'production ', 'production is untouched');

    const tested = await ok(['replicas', 'test', functionId, 'test-replica', '--path', '/pic']);
    assert.match(tested.stdout, /HTTP 200/);
    assert.match(tested.stdout, /^replica $/m);
    assert.match(tested.stdout, /invocation record/);
    assert.match(tested.stdout, /\[log\] replica saw \/pic/);
    assert.match(tested.stdout, /outcome: ok/);

    const diff = await ok(['replicas', 'diff', 'hello', 'test-replica', '--zone', 'example.com']);
    assert.match(diff.stdout, /^-.*production saw/m);
    assert.match(diff.stdout, /^\+.*replica saw/m);

    const refused = await cli(['replicas', 'sync', 'hello', 'test-replica', '--zone', 'example.com']);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /without a terminal.*--yes/);
    assert.equal(((await apiGet(`/functions/${functionId}`)).productionVersion as { id: string }).id, firstVersion, 'a refused sync changes nothing');

    const synced = await ok(['replicas', 'sync', 'hello', 'test-replica', '--zone', 'example.com', '--yes']);
    const newVersion = ((await apiGet(`/functions/${functionId}`)).productionVersion as { id: string }).id;
    assert.notEqual(newVersion, firstVersion);
    assert.match(synced.stdout, new RegExp(`production of hello is now ${newVersion}`));
    const undo = new RegExp(`To undo: edgefn versions rollback ${functionId} ${firstVersion}`);
    assert.match(synced.stdout, undo);
    assert.equal(await gatewayText('www.example.com', '/pic'), 'replica ');

    const versions = await json(['versions', 'list', 'hello', '--zone', 'example.com']);
    assert.deepEqual((versions.versions as { id: string }[]).map((v) => v.id), [newVersion, firstVersion]);
    const rolledBack = await ok(['versions', 'rollback', functionId, firstVersion, '--yes']);
    assert.match(rolledBack.stdout, /Rolled back/);
    assert.equal(await gatewayText('www.example.com', '/pic'), 'production ');
  });

  it('prints only JSON with --json, in the API shapes', async () => {
    const zones = await json(['zones', 'list']);
    assert.deepEqual((zones.zones as { name: string }[]).map((z) => z.name), ['example.com']);
    const fn = await json(['functions', 'get', 'hello', '--zone', 'example.com']);
    assert.equal(fn.id, functionId);
    assert.ok(typeof (fn.productionVersion as { id: string }).id === 'string');
    const replicas = await json(['replicas', 'list', functionId]);
    assert.deepEqual((replicas.replicas as { name: string }[]).map((r) => r.name), ['test-replica']);
    const tested = await json(['replicas', 'test', functionId, 'test-replica', '--path', '/x', '--compare']);
    const replica = tested.replica as { status: number; body: string; record: { variant: string; logs: { message: string }[] } };
    const production = tested.production as { body: string; record: { variant: string } };
    assert.equal(replica.status, 200);
    assert.equal(replica.record.variant, 'test-replica');
    assert.deepEqual(replica.record.logs.map((l) => l.message), ['replica saw /x']);
    assert.equal(production.body, 'production ');
    assert.equal(production.record.variant, 'production');
    const logs = await json(['logs', 'list', functionId, '--replica', 'test-replica', '--limit', '1']);
    assert.equal((logs.records as unknown[]).length, 1);
  });

  it('marks the differences of --compare side by side', async () => {
    const result = await ok(['replicas', 'test', functionId, 'test-replica', '--path', '/side', '--compare']);
    assert.match(result.stdout, /replica test-replica\s+\|\s+production/);
    assert.match(result.stdout, /replica \s+≠ production /);
    assert.match(result.stdout, /\[log\] replica saw \/side\s+≠ \[log\] production saw \/side/);
  });

  it('exits 1 with the API code for user errors, 2 when the API cannot be reached', async () => {
    const missing = await cli(['functions', 'get', 'ef-zzzzzzzz']);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /ResourceUnavailable\.FunctionNotFound/);
    const noName = await cli(['functions', 'get', 'nope', '--zone', 'example.com']);
    assert.equal(noName.code, 1);
    assert.match(noName.stderr, /no function named 'nope'/);
    const badZone = await cli(['zones', 'create', 'not a domain', '--origin', 'http://127.0.0.1:9']);
    assert.equal(badZone.code, 1);
    assert.match(badZone.stderr, /\[InvalidParameter\.\w+\]/);
    const conflict = await cli(['replicas', 'create', functionId, 'test-replica', '--from-production']);
    assert.equal(conflict.code, 1);
    assert.match(conflict.stderr, /InvalidParameter\.ReplicaNameConflict/);
    const usage = await cli(['zones', 'frobnicate']);
    assert.equal(usage.code, 1);
    const badPath = await cli(['replicas', 'test', functionId, 'test-replica', '--path', 'no-slash']);
    assert.equal(badPath.code, 1);
    assert.match(badPath.stderr, /'path' must start with \/.*\[InvalidParameter\.InvalidParameter\]/);
    const noReplica = await cli(['replicas', 'test', functionId, 'nope']);
    assert.equal(noReplica.code, 1, 'a missing replica is refused, not silently run as production');
    assert.match(noReplica.stderr, /ResourceUnavailable\.ReplicaNotFound/);
    const unreachable = await runCli(['zones', 'list'], { ...home, EDGEFN_API: 'http://127.0.0.1:1', EDGEFN_TOKEN: token });
    assert.equal(unreachable.code, 2);
    assert.match(unreachable.stderr, /cannot reach the edgefn API at http:\/\/127\.0\.0\.1:1/);
  });

  it('has --help with an example on every noun and verb', async () => {
    const root = await ok(['--help']);
    const nouns = ['login', 'zones', 'functions', 'replicas', 'versions', 'env', 'secrets', 'rules', 'logs'];
    for (const noun of nouns) assert.match(root.stdout, new RegExp(`\\n  ${noun}\\b`));
    for (const noun of nouns) {
      const help = await ok([noun, '--help']);
      assert.match(help.stdout, /Example:\n {2}\$ .*edgefn /, `${noun} --help`);
      const verbs = [...help.stdout.matchAll(/^ {2}([a-z]+)(?: |$)/gm)].map((m) => m[1]!).filter((v) => v !== 'help');
      for (const verb of verbs) {
        const verbHelp = await ok([noun, verb, '--help']);
        assert.match(verbHelp.stdout, /Example:\n {2}\$ .*edgefn /, `${noun} ${verb} --help`);
      }
    }
  });

  it('answers both sync confirmations on a terminal, and a "no" changes nothing', async () => {
    await ok(['replicas', 'update', functionId, 'test-replica', '--file', file('v3.js', code('replica-three'))]);
    const before = ((await apiGet(`/functions/${functionId}`)).productionVersion as { id: string }).id;

    const declined = ptyCli(['replicas', 'sync', functionId, 'test-replica'], home);
    const term = ptyCli(['replicas', 'sync', functionId, 'test-replica'], home);
    try {
      await declined.expect(/Sync replica test-replica to production of hello\?/);
      declined.write('n');
      declined.write('\r');
      assert.equal(await declined.exited, 1);
      assert.match(declined.output(), /not confirmed; nothing was changed/);
      assert.equal(((await apiGet(`/functions/${functionId}`)).productionVersion as { id: string }).id, before);

      await term.expect(/\+.*replica-three saw/);
      await term.expect(/Sync replica test-replica to production of hello\?/);
      term.write('y');
      term.write('\r');
      await term.expect(/Type the function's name \(hello\)/);
      term.write('hello\r');
      assert.equal(await term.exited, 0, term.output());
    } finally {
      declined.kill();
      term.kill();
    }
    assert.match(term.output(), /Synced: production of hello is now ver-/);
    assert.equal(await gatewayText('www.example.com', '/pic'), 'replica-three ');
  });

  it('refuses a sync whose comparison went stale while the user read it, and changes nothing', async () => {
    const change = (path: string, body: unknown) =>
      fetch(`${serve.apiUrl}/api/v1${path}`, { method: 'PATCH', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    // Production moves between the diff and the answers.
    const term = ptyCli(['replicas', 'sync', functionId, 'test-replica'], home);
    try {
      await term.expect(/Sync replica test-replica to production of hello\?/);
      assert.equal((await change(`/functions/${functionId}`, { content: code('moved') })).status, 200);
      term.write('y\r');
      await term.expect(/Type the function's name/);
      term.write('hello\r');
      assert.equal(await term.exited, 1);
    } finally {
      term.kill();
    }
    assert.match(term.output(), /production of hello changed after this comparison.*nothing was synced.*\[FailedOperation\.ProductionChanged\]/s);
    assert.equal(await gatewayText('www.example.com', '/pic'), 'moved ');

    // The replica moves between the diff and the answers: what would be synced is not what was shown.
    const again = ptyCli(['replicas', 'sync', functionId, 'test-replica'], home);
    try {
      await again.expect(/Sync replica test-replica to production of hello\?/);
      assert.equal((await change(`/functions/${functionId}/replicas/test-replica`, { content: code('unseen') })).status, 200);
      again.write('y\r');
      await again.expect(/Type the function's name/);
      again.write('hello\r');
      assert.equal(await again.exited, 1);
    } finally {
      again.kill();
    }
    assert.match(again.output(), /replica test-replica changed after this comparison.*nothing was synced.*\[FailedOperation\.ReplicaRevisionConflict\]/s);
    assert.equal(await gatewayText('www.example.com', '/pic'), 'moved ');
    await ok(['replicas', 'update', functionId, 'test-replica', '--file', file('v4.js', code('replica-three'))]);
  });

  it('edits a replica in $EDITOR: a syntax error is shown and the editor reopens', async () => {
    const rounds = join(dir, 'rounds');
    writeFileSync(rounds, '');
    // Round one saves broken code, round two fixes it.
    const editor = file('editor.mjs', `
      import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
      const target = process.argv[2];
      const round = readFileSync(${JSON.stringify(rounds)}, 'utf8').length;
      appendFileSync(${JSON.stringify(rounds)}, 'x');
      const before = readFileSync(target, 'utf8');
      if (round === 0) writeFileSync(target, before + '\\nfunction (\\n');
      else writeFileSync(target, before.replace('\\nfunction (\\n', '').replaceAll('replica-three', 'edited'));
    `);
    const result = await runCli(['replicas', 'edit', functionId, 'test-replica'], { ...home, EDITOR: `${process.execPath} ${editor}` });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /SyntaxError: .*\(line \d+, column \d+\)/);
    assert.match(result.stderr, /Reopening the editor/);
    assert.equal(readFileSync(rounds, 'utf8'), 'xx');
    assert.equal(await gatewayText('www.example.com', '/pic', 'test-replica'), 'edited ');
  });

  it('keeps the text of an edit that lost a revision race, and says where', async () => {
    // The editor saves a change while someone else has updated the replica in the meantime.
    const editor = file('racing-editor.mjs', `
      import { readFileSync, writeFileSync } from 'node:fs';
      const target = process.argv[2];
      await fetch(${JSON.stringify(`${serve.apiUrl}/api/v1/functions/`)} + process.env.FN + '/replicas/test-replica', {
        method: 'PATCH', headers: { authorization: 'Bearer ${token}', 'content-type': 'application/json' },
        body: JSON.stringify({ content: ${JSON.stringify(code('someone-else'))} }),
      });
      writeFileSync(target, readFileSync(target, 'utf8').replaceAll('edited', 'mine'));
    `);
    const result = await runCli(['replicas', 'edit', functionId, 'test-replica'], { ...home, EDITOR: `${process.execPath} ${editor}`, FN: functionId });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /FailedOperation\.ReplicaRevisionConflict/);
    const kept = /Your text is in (\S+):/.exec(result.stderr)?.[1];
    assert.ok(kept && existsSync(kept), result.stderr);
    assert.match(readFileSync(kept, 'utf8'), /mine saw/);
    assert.equal(await gatewayText('www.example.com', '/pic', 'test-replica'), 'someone-else ');
  });

  it('sets env vars and secrets; a secret never appears in argv, output or the config file', async () => {
    await ok(['env', 'set', functionId, 'GREETING', 'hi']);
    const secret = 'sk-very-secret-value-1234';
    const argvSecret = await cli(['secrets', 'set', functionId, 'API_KEY', secret]);
    assert.equal(argvSecret.code, 1, 'a value on the command line is refused');
    const set = await ok(['secrets', 'set', functionId, 'API_KEY'], `${secret}\n`);
    const listed = await ok(['env', 'list', functionId]);
    const listedJson = await ok(['env', 'list', functionId, '--json']);
    const tested = await ok(['replicas', 'test', functionId, 'test-replica']);
    assert.match(tested.stdout, new RegExp(`someone-else hi key-length=${secret.length}`), 'the function got the secret, without its trailing newline');
    for (const text of [set.stdout, set.stderr, listed.stdout, listedJson.stdout, tested.stdout, readFileSync(join(home.XDG_CONFIG_HOME!, 'edgefn', 'config.json'), 'utf8')]) {
      assert.doesNotMatch(text, new RegExp(secret));
    }
    assert.match(listed.stdout, /API_KEY\s+secret/);
    const unset = await ok(['env', 'unset', functionId, 'API_KEY']);
    assert.match(unset.stdout, /Removed API_KEY/);
  });

  it('tails a replica\'s log records as they happen (within 1 s)', async () => {
    const child = spawn(process.execPath, ['bin/edgefn.js', 'logs', 'tail', functionId, '--replica', 'test-replica', '--json'], { env: { ...process.env, ...home, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (text: string) => (out += text));
    child.stderr.setEncoding('utf8').on('data', (text: string) => (err += text));
    try {
      await waitFor(() => err.includes('Following'), 20_000, () => err);
      await gatewayText('www.example.com', '/pic'); // production: not shown
      const sent = Date.now();
      await gatewayText('www.example.com', '/pic', 'test-replica');
      await waitFor(() => out.includes('\n'), 1000, () => out);
      const lines = out.trim().split('\n').map((line) => JSON.parse(line) as { variant: string; path: string; logs: { message: string }[] });
      assert.deepEqual(lines.map((l) => [l.variant, l.path]), [['test-replica', '/pic']]);
      assert.deepEqual(lines[0]!.logs.map((l) => l.message), ['someone-else saw /pic']);
      assert.ok(Date.now() - sent < 1000);
    } finally {
      child.kill('SIGINT');
      await new Promise((resolve) => child.once('close', resolve));
    }
  });

  it("shows a function's escape sequences as text: a hostile function cannot drive the user's terminal", async () => {
    const hostile = `addEventListener('fetch', (event) => {
      console.log('\\u001b]0;owned\\u0007 title \\u001b[2J\\r cleared \\u202e reversed');
      event.respondWith(new Response('\\u001b[31mred\\u001b[0m'));
    });`;
    await ok(['replicas', 'update', functionId, 'test-replica', '--file', file('hostile.js', hostile)]);
    const tested = await ok(['replicas', 'test', functionId, 'test-replica']);
    const listed = await ok(['logs', 'list', functionId, '--replica', 'test-replica', '--limit', '1']);
    const shown = await ok(['replicas', 'get', functionId, 'test-replica']);
    for (const text of [tested.stdout, listed.stdout, shown.stdout]) {
      assert.doesNotMatch(text, /[\u001b\u0007\r\u202e]/, text);
    }
    assert.match(listed.stdout, /\[log\] \\x1b\]0;owned\\x07 title \\x1b\[2J\\x0d cleared \\u\{202e\} reversed/);
    assert.match(tested.stdout, /^\\x1b\[31mred\\x1b\[0m$/m);
    // The API refuses control characters in remarks; env values may hold them, and tables show them inert.
    const call = (method: string, path: string, body: unknown) => fetch(`${serve.apiUrl}/api/v1${path}`, { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    assert.equal((await call('PATCH', `/functions/${functionId}/replicas/test-replica`, { remark: 'x\u001b]52;c;AAAA\u0007y' })).status, 400);
    assert.equal((await call('PUT', `/functions/${functionId}/env/HOSTILE`, { value: 'x\u001b]52;c;AAAA\u0007y', type: 'string' })).status, 200);
    const table = (await ok(['env', 'list', functionId])).stdout;
    assert.doesNotMatch(table, /[\u001b\u0007]/, table);
    assert.match(table, /x\\x1b\]52;c;AAAA\\x07y/);
    await ok(['env', 'unset', functionId, 'HOSTILE']);
    const json = JSON.parse((await ok(['replicas', 'test', functionId, 'test-replica', '--json'])).stdout) as { replica: { body: string } };
    assert.equal(json.replica.body, '\u001b[31mred\u001b[0m', '--json keeps the exact text (JSON escapes it)');
  });

  it('creates canary (weight, sticky) and region rules by function name', async () => {
    await ok(['functions', 'create', 'hello-next', '--zone', 'example.com', '--file', file('next.js', code('next'))]);
    const canary = await json(['rules', 'create', '--zone', 'example.com', '--when', 'url equal /canary', '--weight', 'hello=90', '--weight', 'hello-next=10%', '--sticky', 'cookie:uid']);
    const nextId = ((await apiGet('/functions?zoneId=' + (canary.zoneId as string))).functions as { id: string; name: string }[]).find((f) => f.name === 'hello-next')!.id;
    assert.deepEqual(canary.action, { type: 'weight', targets: [{ functionId, weight: 90 }, { functionId: nextId, weight: 10 }], sticky: { by: 'cookie', name: 'uid' } });
    const region = await json(['rules', 'create', '--zone', 'example.com', '--when', 'url equal /region', '--region', 'hello-next=CN,US.CA', '--region', 'hello=Default']);
    assert.deepEqual(region.action, { type: 'region', targets: [{ functionId: nextId, regions: ['CN', 'US.CA'] }, { functionId, regions: ['Default'] }] });
    const listed = await ok(['rules', 'list', '--zone', 'example.com']);
    assert.match(listed.stdout, new RegExp(`${functionId} 90%, ${nextId} 10% \\(sticky by cookie uid\\)`));
    const both = await cli(['rules', 'create', '--zone', 'example.com', '--when', 'url equal /x', '--function', 'hello', '--weight', 'hello=100']);
    assert.equal(both.code, 1);
    assert.match(both.stderr, /exactly one of --function, --weight/);
    const badSum = await cli(['rules', 'create', '--zone', 'example.com', '--when', 'url equal /x', '--weight', 'hello=50', '--weight', 'hello-next=20']);
    assert.equal(badSum.code, 1);
    assert.match(badSum.stderr, /add up to 100.*\[InvalidParameter\.InvalidParameter\]/);
    const inUse = await cli(['functions', 'delete', 'hello-next', '--zone', 'example.com', '--yes']);
    assert.equal(inUse.code, 1);
    assert.match(inUse.stderr, /FailedOperation\.FunctionInUse/);
    await ok(['rules', 'delete', canary.id as string, '--yes']);
    await ok(['rules', 'delete', region.id as string, '--yes']);
    await ok(['functions', 'delete', 'hello-next', '--zone', 'example.com', '--yes']);
  });

  it('puts a replica on a share of production traffic, and ends it', async () => {
    const on = await json(['replicas', 'rollout', functionId, 'test-replica', '12.5%', '--sticky', 'client_ip']);
    assert.deepEqual(on.rollout, { percent: 12.5, sticky: { by: 'client_ip' }, since: (on.rollout as { since: string }).since });
    assert.match((await ok(['replicas', 'list', functionId])).stdout, /test-replica\s+\d+\s+.*12\.5%/);
    const bad = await cli(['replicas', 'rollout', functionId, 'test-replica', '0.05']);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /steps of 0\.1.*\[InvalidParameter\.InvalidParameter\]/);
    const off = await ok(['replicas', 'rollout', functionId, 'test-replica', '0']);
    assert.match(off.stdout, /Rollout of test-replica ended/);
  });

  it('guards a rollout, mirrors production to a replica, and compares their metrics', async () => {
    const guarded = await json(['replicas', 'rollout', functionId, 'test-replica', '5%', '--abort-if-error-rate', '2.5%', '--min-requests', '50']);
    assert.deepEqual((guarded.rollout as { abortIf: unknown }).abortIf, { errorRate: 0.025, minRequests: 50 });
    assert.match((await ok(['replicas', 'get', functionId, 'test-replica'])).stdout, /stops itself above 2\.5% errors after 50 requests/);
    await ok(['replicas', 'rollout', functionId, 'test-replica', 'off']);
    const lonely = await cli(['replicas', 'rollout', functionId, 'test-replica', '5%', '--min-requests', '5']);
    assert.equal(lonely.code, 1);
    assert.match(lonely.stderr, /--min-requests goes with --abort-if-error-rate/);

    const shadow = await ok(['replicas', 'shadow', functionId, 'test-replica', '100%']);
    assert.match(shadow.stdout, /now receives copies of 100% of production GET\/HEAD requests/);
    assert.match((await ok(['replicas', 'list', functionId])).stdout, /SHADOW[\s\S]*test-replica.*100%/);
    const domain = (await apiGet(`/functions/${functionId}`)).domain as string;
    for (let i = 0; i < 3; i++) await gatewayText(domain, `/mirrored-${i}`);
    let report: { report: { pairs: number } | null } = { report: null };
    for (let tries = 0; tries < 200 && (report.report?.pairs ?? 0) < 3; tries++) {
      report = (await json(['replicas', 'shadow-report', functionId, 'test-replica'])) as typeof report;
      if ((report.report?.pairs ?? 0) < 3) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.equal(report.report?.pairs, 3);
    const text = (await ok(['replicas', 'shadow-report', functionId, 'test-replica'])).stdout;
    assert.match(text, /Shadow: 100% of production GET\/HEAD requests/);
    assert.match(text, /pairs:\s+3/);

    const compared = (await ok(['metrics', 'compare', functionId, 'test-replica', '--window', '5m'])).stdout;
    assert.match(compared, /Last 300 s: production \S+ against replica test-replica revision \d+/);
    assert.match(compared, /by shadow\s+3\s/);
    assert.equal(((await json(['metrics', 'compare', functionId, 'test-replica', '--window', '1h'])).window as { seconds: number }).seconds, 3600);
    const badWindow = await cli(['metrics', 'compare', functionId, 'test-replica', '--window', '2d']);
    assert.equal(badWindow.code, 1);
    assert.match(badWindow.stderr, /--window '2d'/);
    assert.match((await ok(['replicas', 'shadow', functionId, 'test-replica', 'off'])).stdout, /Shadow traffic to test-replica ended/);
  });

  it('creates, lists and deletes API keys; the SecretKey is shown once and never listed', async () => {
    const shown = await ok(['api-keys', 'create', '--remark', 'ci job']);
    const secretId = /SecretId:\s+(AKID\w+)/.exec(shown.stdout)?.[1];
    const secretKey = /SecretKey:\s+(\w{32})/.exec(shown.stdout)?.[1];
    assert.ok(secretId && secretKey, shown.stdout);
    const listed = await ok(['api-keys', 'list']);
    assert.match(listed.stdout, new RegExp(`${secretId}\\s+ci job`));
    assert.ok(!listed.stdout.includes(secretKey));
    const asJson = await json(['api-keys', 'list']);
    assert.ok(!JSON.stringify(asJson).includes(secretKey));
    assert.equal((await cli(['api-keys', 'delete', secretId])).code, 1, 'refused without a terminal or --yes');
    await ok(['api-keys', 'delete', secretId, '--yes']);
    assert.deepEqual((await json(['api-keys', 'list'])).apiKeys, []);
    const gone = await cli(['api-keys', 'delete', secretId, '--yes']);
    assert.equal(gone.code, 1);
    assert.match(gone.stderr, /ResourceUnavailable\.ApiKeyNotFound/);
  });

  it('deletes with --yes, and refuses without a terminal', async () => {
    const refused = await cli(['functions', 'delete', functionId]);
    assert.equal(refused.code, 1);
    const rules = await json(['rules', 'list', '--zone', 'example.com']);
    const ruleId = (rules.rules as { id: string }[])[0]!.id;
    await ok(['rules', 'delete', ruleId, '--yes']);
    await ok(['replicas', 'delete', functionId, 'test-replica', '--yes']);
    await ok(['functions', 'delete', functionId, '--yes']);
    await ok(['zones', 'delete', 'example.com', '--yes']);
    assert.deepEqual((await json(['zones', 'list'])).zones, []);
  });
});

async function waitFor(check: () => boolean, ms: number, show: () => string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`not within ${ms} ms; so far:\n${show()}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
