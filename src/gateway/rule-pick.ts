/**
 * Which function a matched rule runs, from the request: a weight action draws at random or, when
 * sticky, hashes the client's cookie, header or address; a region action uses the client's
 * location (`CN` or `CN.GD`, from the geo lookup). And whether a replica on a rollout takes a
 * production request.
 */
import type { IncomingMessage } from 'node:http';
import { selectFunctionId, stickyPoint, type RuleAction, type Sticky } from '../domain/rules.ts';
import type { Geo } from './geo.ts';
import type { FunctionEntry } from './routes.ts';

/** The response header naming the function a weight or region rule chose. */
export const selectedHeader = 'EO-Function-Selected';

function cookieValue(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq !== -1 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/** The key a sticky rule hashes; a client without the cookie or header is kept by its address. */
function stickyKeyOf(sticky: Sticky, req: IncomingMessage, clientIp: string): string {
  let key: string | undefined;
  if (sticky.by === 'cookie') key = cookieValue(req.headers.cookie, sticky.name);
  else if (sticky.by === 'header' && Object.hasOwn(req.headers, sticky.name)) {
    const value = req.headers[sticky.name];
    key = Array.isArray(value) ? value[0] : value;
  }
  return key !== undefined && key !== '' ? `${sticky.by}:${key}` : `client_ip:${clientIp}`;
}

/** `CN`, or `CN.GD` when the location has a subdivision (regionCode `GD`, `CN-GD` or `CN.GD`). */
function regionOf(geo: Geo | undefined): string | undefined {
  const country = typeof geo?.countryCodeAlpha2 === 'string' ? geo.countryCodeAlpha2.toUpperCase() : undefined;
  if (!country) return undefined;
  const code = typeof geo?.regionCode === 'string' ? geo.regionCode.toUpperCase() : '';
  const sub = code.startsWith(`${country}-`) || code.startsWith(`${country}.`) ? code.slice(country.length + 1) : code;
  return sub ? `${country}.${sub}` : country;
}

export function pickFunctionId(action: RuleAction, req: IncomingMessage, clientIp: string, geo: Geo | undefined): string {
  const region = regionOf(geo);
  return selectFunctionId(action, {
    random: Math.random,
    ...(region ? { region } : {}),
    ...(action.type === 'weight' && action.sticky ? { stickyKey: stickyKeyOf(action.sticky, req, clientIp) } : {}),
  });
}

/**
 * The replica (if any) that serves this production request under a rollout: the replicas' shares
 * lie side by side in [0, 100), and the request's point (a draw, or where its sticky key hashes;
 * raising a share only adds clients) falls in one of them or in none.
 */
export function pickRollout(fn: FunctionEntry, req: IncomingMessage, clientIp: string): string | undefined {
  let start = 0;
  let draw: number | undefined;
  for (const [name, replica] of fn.replicas) {
    const rollout = replica.rollout;
    if (!rollout) continue;
    const point = 100 * (rollout.sticky ? stickyPoint(stickyKeyOf(rollout.sticky, req, clientIp), fn.id) : (draw ??= Math.random()));
    if (point >= start && point < start + rollout.percent) return name;
    start += rollout.percent;
  }
  return undefined;
}
