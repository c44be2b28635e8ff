/**
 * The EdgeOne-compatible API: Tencent Cloud API 3.0 (service teo, version 2022-09-01) on the
 * admin port, so the official SDKs and tccli work with their endpoint pointed at edgefn. A call
 * is `POST /` with a JSON body, the action in X-TC-Action and a TC3-HMAC-SHA256 signature made
 * with an API key (api-keys.ts). Every answer is HTTP 200 with `{"Response": {..., "RequestId"}}`,
 * or `{"Response": {"Error": {"Code", "Message"}, "RequestId"}}`, as Tencent Cloud answers.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { EdgefnError } from '../domain/errors.ts';
import type { ApiKeys } from './api-keys.ts';
import type { ControlPlane } from './services.ts';
import { checkSignature, claimOf, headerOf } from './tc3.ts';
import { SignatureLog } from './signature-log.ts';
import { runAction, teoFunctionActions, type TeoActions } from './teo-actions.ts';
import { teoRuleActions } from './teo-rules.ts';

export const teoVersion = '2022-09-01';

// As the JSON API: 5 MB of code, even when JSON escaping doubles it, fits.
const maxBodyBytes = 12 * 1024 * 1024;

export interface TeoApiOptions {
  control: ControlPlane;
  keys: ApiKeys;
  /** Awaited after each change before answering, as the JSON API does (the gateway has it then). */
  afterWrite?: () => Promise<void>;
  log?: (line: string) => void;
}

/** Every action this API answers, by name. */
export function teoActions(c: ControlPlane): TeoActions {
  return { ...teoFunctionActions(c), ...teoRuleActions(c) };
}

const tooLarge = (): EdgefnError => new EdgefnError('RequestSizeLimitExceeded', `The request body is larger than ${maxBodyBytes} bytes.`);
// Bodies being read at once: four whole ones in all, two per client address.
const maxBodiesBytes = 4 * maxBodyBytes;
const maxClientBodiesBytes = 2 * maxBodyBytes;

/**
 * Bytes of request bodies being read or handled, in all and per client address. A body can only
 * be checked against its signature once it is whole, so whoever knows a SecretId (it is sent in
 * clear) could otherwise make the server hold 12 MiB per connection.
 */
class BodyBudget {
  #total = 0;
  readonly #perClient = new Map<string, number>();

  constructor(readonly maxTotal: number, readonly maxPerClient: number) {}

  take(client: string, bytes: number): boolean {
    const mine = (this.#perClient.get(client) ?? 0) + bytes;
    if (this.#total + bytes > this.maxTotal || mine > this.maxPerClient) return false;
    this.#total += bytes;
    this.#perClient.set(client, mine);
    return true;
  }

  give(client: string, bytes: number): void {
    this.#total -= bytes;
    const mine = (this.#perClient.get(client) ?? 0) - bytes;
    if (mine > 0) this.#perClient.set(client, mine);
    else this.#perClient.delete(client);
  }
}

type BodyRead = { body: Buffer } | { refused: EdgefnError } | { aborted: true };

/** Reads the body within the limit and the budget; `held` counts what it took from the budget. */
async function readBody(req: IncomingMessage, budget: BodyBudget, client: string, held: { bytes: number }): Promise<BodyRead> {
  const chunks: Buffer[] = [];
  try {
    for await (const chunk of req as AsyncIterable<Buffer>) {
      if (held.bytes + chunk.byteLength > maxBodyBytes) return { refused: tooLarge() };
      if (!budget.take(client, chunk.byteLength)) return { refused: new EdgefnError('RequestLimitExceeded', 'Too many request bodies are being read at once: try again shortly.') };
      held.bytes += chunk.byteLength;
      chunks.push(chunk);
    }
  } catch {
    // The client went away mid-body: nobody to answer, nothing to log.
    return { aborted: true };
  }
  return { body: Buffer.concat(chunks, held.bytes) };
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Tencent Cloud's name for an edgefn error code (edgefn's generic bad-input code has a suffix). */
function tencentCode(code: string): string {
  return code === 'InvalidParameter.InvalidParameter' ? 'InvalidParameter' : code;
}

function answer(res: ServerResponse, response: Record<string, unknown>, close = false): void {
  const text = JSON.stringify({ Response: response });
  res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), ...(close ? { connection: 'close' } : {}) });
  res.end(text);
}

export function createTeoApi(options: TeoApiOptions): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  const actions = teoActions(options.control);
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const signatures = new SignatureLog();
  const budget = new BodyBudget(maxBodiesBytes, maxClientBodiesBytes);

  return async (req, res) => {
    const RequestId = randomUUID();
    const client = req.socket.remoteAddress ?? '';
    const held = { bytes: 0 };
    // Until the body is read, an answer closes the connection: the rest of a refused request's
    // body is never read.
    let bodyRead = false;
    try {
      const action = headerOf(req.headers, 'x-tc-action') ?? '';
      if (action === '') throw new EdgefnError('MissingParameter', 'The request is missing the X-TC-Action header.');
      if (!/^application\/json\b/i.test(headerOf(req.headers, 'content-type') ?? '')) throw new EdgefnError('InvalidParameter.InvalidParameter', 'Content-Type must be application/json.');
      // Everything the headers can prove comes before the body is read.
      const claim = await claimOf(req.headers, (id) => options.keys.secretKeyOf(id), Date.now());
      if (Number(headerOf(req.headers, 'content-length') ?? 0) > maxBodyBytes) throw tooLarge();
      const read = await readBody(req, budget, client, held);
      if ('aborted' in read) return;
      if ('refused' in read) throw read.refused;
      bodyRead = true;
      checkSignature(claim, req.method ?? 'POST', req.url ?? '/', read.body);
      signatures.use(claim.signature, action, Date.now());
      const version = headerOf(req.headers, 'x-tc-version') ?? '';
      if (version !== teoVersion) throw new EdgefnError('InvalidParameterValue', `X-TC-Version must be ${teoVersion} (the teo API this server implements), not '${version}'.`);
      const handler = Object.hasOwn(actions, action) ? actions[action] : undefined;
      if (!handler) throw new EdgefnError('InvalidAction', `The action ${action} is not supported by this server (see docs/teo-api.md).`);
      let params: unknown;
      try {
        params = read.body.byteLength === 0 ? {} : JSON.parse(utf8.decode(read.body));
      } catch {
        throw new EdgefnError('InvalidParameter.InvalidParameter', 'The request body is not valid JSON in UTF-8.');
      }
      const result = await runAction(handler, params);
      if (!action.startsWith('Describe')) await options.afterWrite?.();
      answer(res, { ...result, RequestId });
    } catch (error) {
      if (!bodyRead) res.once('finish', () => req.destroy());
      if (error instanceof EdgefnError) {
        answer(res, { Error: { Code: tencentCode(error.code), Message: error.message }, RequestId }, !bodyRead);
        return;
      }
      log(`teo API internal error (${RequestId}): ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      answer(res, { Error: { Code: 'InternalError', Message: 'An internal error occurred.' }, RequestId }, !bodyRead);
    } finally {
      budget.give(client, held.bytes);
    }
  };
}

/** The admin port's handler with the teo API in front: `POST /` goes to it, everything else on. */
export function withTeoApi(teo: (req: IncomingMessage, res: ServerResponse) => Promise<void>, next: (req: IncomingMessage, res: ServerResponse) => unknown) {
  return (req: IncomingMessage, res: ServerResponse): unknown => {
    const path = (req.url ?? '/').split('?', 1)[0];
    return req.method === 'POST' && path === '/' ? teo(req, res) : next(req, res);
  };
}
