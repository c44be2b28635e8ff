// FormData (https://xhr.spec.whatwg.org/#interface-formdata) and its multipart/form-data encoding.
import { Blob, File, blobBytes, isBlob, isFile } from './blob.ts';
import { defineInterface, requiredArguments } from './webidl.ts';
import { typeError } from './errors.ts';

/** The value of a FormData entry. */
export type FormDataEntryValue = File | string;

interface Entry {
  name: string;
  value: FormDataEntryValue;
}

let entriesOf!: (fd: FormData) => Entry[];

/** An ordered list of name/value entries, values being strings or Files. */
export class FormData {
  #entries: Entry[] = [];

  static {
    entriesOf = (fd) => fd.#entries;
    Object.defineProperty(FormData.prototype, Symbol.iterator, {
      value: FormData.prototype.entries,
      writable: true,
      configurable: true,
    });
    defineInterface(FormData, 'FormData', 0);
  }

  declare [Symbol.iterator]: () => IterableIterator<[string, FormDataEntryValue]>;

  /** Only `new FormData()`: there are no form elements to read entries from. */
  constructor(form?: undefined) {
    if (form !== undefined) throw typeError('FormData constructor', 'there are no form elements to read entries from');
  }

  /** Adds an entry; a Blob becomes a File named `filename` or 'blob'. */
  append(name: string, value: string | Blob, filename?: string): void {
    requiredArguments(arguments.length, 2, 'FormData.append');
    this.#entries.push(makeEntry('append', name, value, filename, arguments.length > 2));
  }

  /** Replaces the first entry named `name` and removes the others, or appends. */
  set(name: string, value: string | Blob, filename?: string): void {
    requiredArguments(arguments.length, 2, 'FormData.set');
    const entry = makeEntry('set', name, value, filename, arguments.length > 2);
    const list = this.#entries;
    const first = list.findIndex((e) => e.name === entry.name);
    if (first === -1) {
      list.push(entry);
      return;
    }
    list[first] = entry;
    removeNamed(list, entry.name, first + 1);
  }

  /** The first value named `name`, or null. */
  get(name: string): FormDataEntryValue | null {
    requiredArguments(arguments.length, 1, 'FormData.get');
    const key = `${name}`;
    for (const e of this.#entries) if (e.name === key) return e.value;
    return null;
  }

  /** All values named `name`, in order. */
  getAll(name: string): FormDataEntryValue[] {
    requiredArguments(arguments.length, 1, 'FormData.getAll');
    const key = `${name}`;
    const out: FormDataEntryValue[] = [];
    for (const e of this.#entries) if (e.name === key) out.push(e.value);
    return out;
  }

  has(name: string): boolean {
    requiredArguments(arguments.length, 1, 'FormData.has');
    const key = `${name}`;
    return this.#entries.some((e) => e.name === key);
  }

  delete(name: string): void {
    requiredArguments(arguments.length, 1, 'FormData.delete');
    removeNamed(this.#entries, `${name}`, 0);
  }

  /** Entries as [name, value]; the iterator sees entries added or removed while iterating. */
  entries(): IterableIterator<[string, FormDataEntryValue]> {
    return new FormDataIterator(this.#entries, (e) => [e.name, e.value]);
  }

  keys(): IterableIterator<string> {
    return new FormDataIterator(this.#entries, (e) => e.name);
  }

  values(): IterableIterator<FormDataEntryValue> {
    return new FormDataIterator(this.#entries, (e) => e.value);
  }

  forEach(callback: (value: FormDataEntryValue, name: string, parent: FormData) => void, thisArg?: unknown): void {
    if (typeof callback !== 'function') throw typeError('FormData.forEach', 'callback is not a function');
    const list = this.#entries;
    for (let i = 0; i < list.length; i++) {
      const e = list[i]!;
      callback.call(thisArg, e.value, e.name, this);
    }
  }
}

const IteratorPrototype: object = Object.getPrototypeOf(Object.getPrototypeOf([][Symbol.iterator]())) as object;

class FormDataIterator<T> implements IterableIterator<T> {
  #list: Entry[];
  #project: (e: Entry) => T;
  #index = 0;

  static {
    Object.setPrototypeOf(FormDataIterator.prototype, IteratorPrototype);
    Object.defineProperty(FormDataIterator.prototype, Symbol.toStringTag, { value: 'FormData Iterator', configurable: true });
  }

  constructor(list: Entry[], project: (e: Entry) => T) {
    this.#list = list;
    this.#project = project;
  }

  next(): IteratorResult<T, undefined> {
    const e = this.#list[this.#index];
    if (e === undefined) return { value: undefined, done: true };
    this.#index++;
    return { value: this.#project(e), done: false };
  }

  [Symbol.iterator](): this {
    return this;
  }
}

function removeNamed(list: Entry[], name: string, from: number): void {
  let kept = from;
  for (let i = from; i < list.length; i++) {
    const e = list[i]!;
    if (e.name !== name) list[kept++] = e;
  }
  list.length = kept;
}

// Names and string values are not made well-formed (lone surrogates stay); encoding replaces them.
function makeEntry(method: string, name: unknown, value: unknown, filename: unknown, blobOnly: boolean): Entry {
  const key = `${name as string}`;
  if (!isBlob(value)) {
    if (blobOnly) throw typeError(`FormData.${method}`, 'value is not a Blob');
    return { name: key, value: `${value as string}` };
  }
  if (filename !== undefined) {
    const lastModified = isFile(value) ? value.lastModified : undefined;
    return { name: key, value: new File([value], `${filename as string}`, { type: value.type, lastModified }) };
  }
  return { name: key, value: isFile(value) ? value : new File([value], 'blob', { type: value.type }) };
}

/**
 * Adds an entry parsed from a received body as is (no Blob-to-File conversion rules): strings
 * stay strings, file parts become Files of the given bytes, name and type.
 */
export function appendParsedEntry(
  fd: FormData,
  name: string,
  value: string | { bytes: Uint8Array; filename: string; type: string },
): void {
  entriesOf(fd).push({
    name,
    value: typeof value === 'string' ? value : new File([value.bytes], value.filename, { type: value.type }),
  });
}

/** A multipart boundary: '----formdata-edgefn-' and 22 digits drawn from `random` (in [0, 1)). */
export function makeBoundary(random: () => number): string {
  const digits = (): string => `${Math.min(Math.floor(random() * 1e11), 1e11 - 1)}`.padStart(11, '0');
  return `----formdata-edgefn-${digits()}${digits()}`;
}

const escapeQuoted = (s: string): string => s.replace(/\n/g, '%0A').replace(/\r/g, '%0D').replace(/"/g, '%22');
const normalizeLineBreaks = (s: string): string => s.replace(/\r?\n|\r/g, '\r\n');

/**
 * The multipart/form-data body of `fd` (HTML's encoding algorithm), byte for byte what undici
 * sends: names get CRLF line breaks then `"`, CR and LF percent-escaped; filenames are only
 * escaped, and an empty one is left out; string values get CRLF line breaks.
 */
export function encodeMultipart(fd: FormData, boundary: string): Uint8Array {
  const parts: (string | Blob)[] = [];
  const prefix = `--${boundary}\r\nContent-Disposition: form-data; name="`;
  // Consecutive text is joined so that each run is UTF-8 encoded once.
  let text = '';
  for (const { name, value } of entriesOf(fd)) {
    const quotedName = escapeQuoted(normalizeLineBreaks(name));
    if (typeof value === 'string') {
      text += `${prefix}${quotedName}"\r\n\r\n${normalizeLineBreaks(value)}\r\n`;
      continue;
    }
    const filename = value.name === '' ? '' : `; filename="${escapeQuoted(value.name)}"`;
    text += `${prefix}${quotedName}"${filename}\r\nContent-Type: ${value.type || 'application/octet-stream'}\r\n\r\n`;
    parts.push(text, value);
    text = '\r\n';
  }
  parts.push(`${text}--${boundary}--\r\n`);
  return blobBytes(new Blob(parts));
}
