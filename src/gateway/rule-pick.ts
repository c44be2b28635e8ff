/**
 * Which function a matched rule runs, from the request: a weight action draws at random or, when
 * sticky, hashes the client's cookie, header or address; a region action uses the client's
 * location (`CN` or `CN.GD`, from the geo lookup).
 */
import type { IncomingMessage } from 'node:http';
import { selectFunctionId, type RuleAction, type Sticky } from '../domain/rules.ts';
import type { Geo } from './geo.ts';

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
  else if (sticky.by === 'header') {
    const value = req.headers[sticky.name];
    key = Array.isArray(value) ? value[0] : value;
  }
  return key !== undefined && key !== '' ? `${sticky.by}:${key}` : `client_ip:${clientIp}`;
}

/** `CN`, or `CN.GD` when the location has a subdivision (regionCode `GD`, `CN-GD` or `CN.GD`). */
export function regionOf(geo: Geo | undefined): string | undefined {
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
