// Tests of EdgeOne's Cookies global, in Node's realm and in a real isolate. There is no reference
// implementation to diff against: every case in cases/cookies.ts compares with a hand-written value.
import { Cookies } from '../../src/runtime/guest/cookies.ts';
import { differentialSuite } from './harness.ts';
import { suite, type Impl } from './cases/cookies.ts';

differentialSuite('Cookies', { module: 'cookies', suite, guest: { Cookies } as unknown as Impl });
