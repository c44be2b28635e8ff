import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { request } from 'undici';
import { parseIpRange } from '../../domain/ip-range.ts';
import { EgressDispatchers } from './egress.ts';

describe('egress dispatchers', () => {
  let server: Server;
  let url: string;
  before(async () => {
    server = createServer((_req, res) => void res.end('ok'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  });
  after(() => server.close());

  it('a dispatcher an execution holds keeps working after others pushed it out', async () => {
    const dispatchers = new EgressDispatchers([parseIpRange('127.0.0.0/8')!], 1);
    const held = dispatchers.forOrigin(new URL('http://origin-a.test/'));
    dispatchers.forOrigin(new URL('http://origin-b.test/')); // pushes origin-a's out
    const answer = await request(url, { dispatcher: held });
    assert.equal(await answer.body.text(), 'ok');
    await dispatchers.close();
  });
});
