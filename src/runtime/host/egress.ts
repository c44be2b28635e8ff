/**
 * Where functions' subrequests may go. By default only to the public internet: loopback, private,
 * link-local (cloud metadata), shared and reserved addresses are refused (domain/address-class.ts),
 * so a function cannot reach the admin API, other local services or other zones' private origins.
 * Two kinds of exceptions: hosts a policy names (each zone's own origin, its pass-through target)
 * and address ranges the operator allows (`edgefn serve --egress-allow`).
 *
 * The check happens where the connection is made, after DNS resolution and on the very address
 * that is then connected to (no second lookup a rebinding DNS server could answer differently), for
 * every connection: each redirect hop, and `eo.resolveOverride` targets too.
 */
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { Agent, buildConnector, type Dispatcher } from 'undici';
import { restrictedReason } from '../../domain/address-class.ts';
import { isInRange, parseClientIp, type IpRange } from '../../domain/ip-range.ts';

export interface EgressPolicy {
  /** `host:port` (lower case, port always given) reachable whatever their address. */
  allowHosts: string[];
  /** Address ranges reachable although restricted. */
  allowRanges: IpRange[];
}

/** A subrequest the egress policy refused; the guest sees it as a TypeError. */
export class EgressRefused extends TypeError {
  constructor(message: string) {
    super(message);
    this.name = 'TypeError';
  }
}

const defaultPort = (protocol: string): string => (protocol === 'https:' ? '443' : '80');

/** `host:port` as policies name hosts. */
export function hostKey(hostname: string, port: string, protocol: string): string {
  return `${hostname.replace(/^\[|\]$/g, '').toLowerCase()}:${port || defaultPort(protocol)}`;
}

/** The address to connect to for `hostname`, or EgressRefused. */
async function allowedAddress(policy: EgressPolicy, hostname: string, port: string, protocol: string): Promise<string> {
  const name = hostname.replace(/^\[|\]$/g, '');
  if (policy.allowHosts.includes(hostKey(name, port, protocol))) return name;
  const addresses = isIP(name) ? [name] : (await lookup(name, { all: true, verbatim: true })).map((a) => a.address);
  let refused = '';
  for (const address of addresses) {
    const ip = parseClientIp(address);
    if (!ip) continue;
    const reason = restrictedReason(ip);
    if (reason === null || policy.allowRanges.some((r) => isInRange(ip, r))) return address;
    refused ||= `${reason} address ${address}`;
  }
  throw new EgressRefused(`fetch to ${name} is not allowed: ${refused || 'no address'} (functions may reach the public internet and their zone's origin)`);
}

/** A dispatcher whose every connection obeys `policy`. */
export function egressDispatcher(policy: EgressPolicy): Dispatcher {
  const connect = buildConnector({});
  return new Agent({
    connect: (options, callback) => {
      allowedAddress(policy, options.hostname, options.port, options.protocol).then(
        // The certificate is still checked against the name (undici takes SNI from `host`).
        (address) => connect({ ...options, hostname: address }, callback),
        (error: unknown) => callback(error as Error, null),
      );
    },
  });
}

/**
 * Dispatchers per policy, made on first use; past `max`, the least recently used is forgotten but
 * not closed: an execution may still hold it, and its idle connections end by themselves (keep-alive
 * timeout), after which it is garbage.
 */
export class EgressDispatchers {
  readonly #made = new Map<string, Dispatcher>();
  readonly #allowRanges: IpRange[];
  readonly #max: number;

  /** `allowRanges`: what the operator allows everywhere (e.g. `--egress-allow 10.0.0.0/8`). */
  constructor(allowRanges: IpRange[] = [], max = 256) {
    this.#allowRanges = allowRanges;
    this.#max = max;
  }

  /** The dispatcher for functions whose origin is `origin` (that host:port is always reachable). */
  forOrigin(origin: URL): Dispatcher {
    const key = hostKey(origin.hostname, origin.port, origin.protocol);
    let dispatcher = this.#made.get(key);
    if (dispatcher) {
      this.#made.delete(key);
    } else {
      dispatcher = egressDispatcher({ allowHosts: [key], allowRanges: this.#allowRanges });
      if (this.#made.size >= this.#max) {
        const [oldest] = this.#made.keys();
        this.#made.delete(oldest!);
      }
    }
    this.#made.set(key, dispatcher);
    return dispatcher;
  }

  async close(): Promise<void> {
    const all = [...this.#made.values()];
    this.#made.clear();
    await Promise.all(all.map((d) => d.destroy()));
  }
}
