/** console: lines go to the host, which keeps the first N of each execution. */
import { host } from './host.ts';
import { currentExec } from './exec.ts';

const levels = ['log', 'info', 'notice', 'warn', 'error', 'debug'] as const;

/** Renders a value the way a developer expects to read it in a log. */
export function inspect(value: unknown, depth = 2, seen: unknown[] = []): string {
  switch (typeof value) {
    case 'string':
      return seen.length === 0 ? value : JSON.stringify(value);
    case 'number':
      return Object.is(value, -0) ? '-0' : String(value);
    case 'bigint':
      return `${value}n`;
    case 'undefined':
    case 'boolean':
    case 'symbol':
      return String(value);
    case 'function':
      return `[Function: ${value.name || '(anonymous)'}]`;
  }
  if (value === null) return 'null';
  if (value instanceof Error) return value.stack ?? `${value.name}: ${value.message}`;
  if (seen.includes(value)) return '[Circular]';
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? 'Invalid Date' : value.toISOString();
  if (value instanceof RegExp) return String(value);
  const tag = Object.prototype.toString.call(value).slice(8, -1);
  if (depth < 0) return Array.isArray(value) ? '[Array]' : `[${tag}]`;
  const inner = [...seen, value];
  const show = (v: unknown): string => inspect(v, depth - 1, inner);
  if (Array.isArray(value)) return `[ ${value.map(show).join(', ')} ]`.replace('[  ]', '[]');
  if (ArrayBuffer.isView(value) && !(value instanceof DataView)) {
    const items = Array.from(value as unknown as ArrayLike<number>).slice(0, 100);
    return `${tag}(${(value as unknown as ArrayLike<number>).length}) [ ${items.join(', ')} ]`;
  }
  if (value instanceof Map) return `Map(${value.size}) { ${[...value].map(([k, v]) => `${show(k)} => ${show(v)}`).join(', ')} }`;
  if (value instanceof Set) return `Set(${value.size}) { ${[...value].map(show).join(', ')} }`;
  if (value instanceof URLLike()) return `URL { href: ${JSON.stringify(String(value))} }`;
  const entries = Object.keys(value as object).map((k) => `${/^[A-Za-z_$][\w$]*$/.test(k) ? k : JSON.stringify(k)}: ${show((value as Record<string, unknown>)[k])}`);
  const prefix = tag === 'Object' ? '' : `${tag} `;
  return entries.length === 0 ? `${prefix}{}` : `${prefix}{ ${entries.join(', ')} }`;
}

// URL is defined in another module; avoid importing it here just to print it nicely.
const URLLike = (): new () => object => (globalThis as unknown as { URL: new () => object }).URL;

/** Applies printf-style directives (%s %d %i %f %o %O %j %c %%) and joins the rest. */
export function formatArgs(args: unknown[]): string {
  const [first, ...rest] = args;
  if (typeof first !== 'string' || !first.includes('%')) return args.map((a) => inspect(a)).join(' ');
  let i = 0;
  const text = first.replace(/%[sdifoOjc%]/g, (d) => {
    if (d === '%%') return '%';
    if (i >= rest.length) return d;
    const v = rest[i++];
    switch (d) {
      case '%s': return typeof v === 'string' ? v : inspect(v, 1);
      case '%d': case '%i': return typeof v === 'object' ? 'NaN' : String(d === '%i' ? parseInt(String(v), 10) : Number(v));
      case '%f': return String(parseFloat(String(v)));
      case '%j': try { return JSON.stringify(v); } catch { return '[Circular]'; }
      case '%c': return '';
      default: return inspect(v, 4, [undefined]);
    }
  });
  return [text, ...rest.slice(i).map((a) => inspect(a))].join(' ');
}

function makeConsole(): Record<string, (...args: unknown[]) => void> {
  const out: Record<string, (...args: unknown[]) => void> = {};
  for (const level of levels) {
    out[level] = (...args: unknown[]) => {
      let text: string;
      try {
        text = formatArgs(args);
      } catch (error) {
        text = `[unprintable: ${String(error)}]`;
      }
      host.log(currentExec(), level, text);
    };
  }
  out.trace = out.debug!;
  out.assert = (cond: unknown, ...args: unknown[]) => {
    if (!cond) out.error!('Assertion failed' + (args.length ? `: ${formatArgs(args)}` : ''));
  };
  const noop = (): void => undefined;
  for (const name of ['dir', 'table']) out[name] = out.log!;
  for (const name of ['group', 'groupCollapsed', 'groupEnd', 'time', 'timeEnd', 'timeLog', 'count', 'countReset']) out[name] = noop;
  return out;
}

export const console = makeConsole();
