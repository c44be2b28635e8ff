/**
 * A busy or flooded tenant does not stall the others (issue 11): the attacker's function uses its
 * whole CPU budget on every request, or is sent far more requests than it can serve; the victim in
 * another zone keeps answering, and the attacker's surplus requests are refused with a 503 that
 * says when to come back.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTenancy, type Tenancy } from './helpers.ts';

/** Keeps its thread busy for `ms` (well within the 200 ms CPU limit), then answers. */
const busy = (ms: number): string => `addEventListener('fetch', (event) => { const start = Date.now(); while (Date.now() - start < ${ms}) {} event.respondWith(new Response('done')); });`;

describe('a busy or flooded tenant does not stall the others', () => {
  let t: Tenancy;
  before(async () => {
    t = await startTenancy(undefined, ['--isolates-per-function', '1', '--queue-per-function', '3']);
  });
  after(() => t.close());

  it('answers the victim while the attacker runs 100 ms of CPU back to back', async () => {
    await t.deploy(busy(100));
    assert.equal((await t.attack()).text, 'done');
    let stop = false;
    let attacks = 0;
    const attacker = async (): Promise<void> => {
      while (!stop) {
        await t.attack();
        attacks += 1;
      }
    };
    const attackers = [attacker(), attacker()];
    await new Promise((resolve) => setTimeout(resolve, 150));
    const before = attacks;
    // Had the victim to wait for the attacker's entries, each answer would take one of them (100 ms).
    for (let i = 0; i < 20; i++) {
      const answer = await t.victim();
      assert.equal(answer.status, 200);
      assert.equal(answer.text, 'ok');
    }
    const during = attacks - before;
    stop = true;
    await Promise.all(attackers);
    assert.ok(during < 10, `${during} attacker requests finished while the victim answered 20 times`);
  });

  it('refuses a flooded function\'s surplus with 503 TooManyRequests and Retry-After, not the victim', async () => {
    await t.deploy(busy(100));
    const flood = Promise.all(Array.from({ length: 12 }, () => t.attack()));
    for (let i = 0; i < 5; i++) assert.equal((await t.victim()).text, 'ok');
    const answers = await flood;
    const refused = answers.filter((a) => a.headers['eo-function-error'] === 'FunctionRuntime.TooManyRequests');
    assert.ok(refused.length >= 6, answers.map((a) => a.status).join());
    for (const answer of refused) {
      assert.equal(answer.status, 503);
      assert.equal(answer.headers['retry-after'], '1');
    }
    assert.ok(answers.some((a) => a.text === 'done'), 'the function still served what it could queue');
    await t.assertHealthy('after the flood');
  });
});
