/**
 * The HTTP API as the CLI sees it: JSON in and out, the admin token on every call, and every
 * refusal turned into a CliError carrying the API's code (4xx: the user's to fix, exit 1; 5xx or
 * an unreachable API: exit 2).
 */
import type { CliConfig } from './config.ts';
import { CliError } from './errors.ts';

export type Json = Record<string, unknown>;

export class ApiClient {
  readonly #base: string;
  readonly #token: string;

  constructor(config: Pick<CliConfig, 'api' | 'token'>) {
    this.#base = `${config.api}/api/v1`;
    this.#token = config.token;
  }

  get(path: string): Promise<Json> {
    return this.request('GET', path);
  }

  async request(method: string, path: string, body?: unknown): Promise<Json> {
    const res = await this.#fetch(method, path, body);
    const text = await res.text();
    if (!res.ok) throw refusal(res.status, text);
    if (text === '') return {};
    return JSON.parse(text) as Json;
  }

  /**
   * Opens an NDJSON stream (`?follow=1`): resolves once the API has accepted it, to its lines,
   * parsed, until it ends or `signal` aborts.
   */
  async stream(path: string, signal: AbortSignal): Promise<AsyncGenerator<Json>> {
    const res = await this.#fetch('GET', path, undefined, signal);
    if (!res.ok) throw refusal(res.status, await res.text());
    return lines(res, signal);
  }

  async #fetch(method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<Response> {
    const url = `${this.#base}${path}`;
    try {
      return await fetch(url, {
        method,
        headers: { authorization: `Bearer ${this.#token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        ...(signal ? { signal } : {}),
      });
    } catch (error) {
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      throw new CliError(`cannot reach the edgefn API at ${this.#base}: ${cause?.code ?? cause?.message ?? (error as Error).message}`, { exitCode: 2 });
    }
  }
}

async function* lines(res: Response, signal: AbortSignal): AsyncGenerator<Json> {
  if (!res.body) return;
  const decoder = new TextDecoder();
  let buffered = '';
  try {
    for await (const chunk of res.body) {
      buffered += decoder.decode(chunk as Uint8Array, { stream: true });
      let newline: number;
      while ((newline = buffered.indexOf('\n')) !== -1) {
        const line = buffered.slice(0, newline).trim();
        buffered = buffered.slice(newline + 1);
        if (line !== '') yield JSON.parse(line) as Json;
      }
    }
  } catch (error) {
    if (signal.aborted) return;
    throw new CliError(`the log stream broke: ${(error as Error).message}`, { exitCode: 2 });
  }
}

function refusal(status: number, text: string): CliError {
  let code = `HTTP ${status}`;
  let message = text.slice(0, 200) || 'no message';
  try {
    const error = (JSON.parse(text) as { error?: { code?: string; message?: string } }).error;
    if (error?.code) code = error.code;
    if (error?.message) message = error.message;
  } catch {
    // not JSON: keep the start of the text
  }
  const hint = status === 401 ? ' (run edgefn login again)' : '';
  return new CliError(`${message}${hint} [${code}]`, { code, exitCode: status >= 500 ? 2 : 1 });
}
