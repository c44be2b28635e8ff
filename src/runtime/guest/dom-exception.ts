// DOMException per WebIDL: an Error subclass whose name/message/code are prototype accessors.
import { defineInterface } from './webidl.ts';

/** Legacy error codes by name; names not listed have code 0. */
const CODES: Readonly<Record<string, number>> = {
  IndexSizeError: 1,
  HierarchyRequestError: 3,
  WrongDocumentError: 4,
  InvalidCharacterError: 5,
  NoModificationAllowedError: 7,
  NotFoundError: 8,
  NotSupportedError: 9,
  InvalidStateError: 11,
  SyntaxError: 12,
  InvalidModificationError: 13,
  NamespaceError: 14,
  InvalidAccessError: 15,
  TypeMismatchError: 17,
  SecurityError: 18,
  NetworkError: 19,
  AbortError: 20,
  URLMismatchError: 21,
  QuotaExceededError: 22,
  TimeoutError: 23,
  InvalidNodeTypeError: 24,
  DataCloneError: 25,
};

const CONSTANTS: ReadonlyArray<readonly [string, number]> = [
  ['INDEX_SIZE_ERR', 1],
  ['DOMSTRING_SIZE_ERR', 2],
  ['HIERARCHY_REQUEST_ERR', 3],
  ['WRONG_DOCUMENT_ERR', 4],
  ['INVALID_CHARACTER_ERR', 5],
  ['NO_DATA_ALLOWED_ERR', 6],
  ['NO_MODIFICATION_ALLOWED_ERR', 7],
  ['NOT_FOUND_ERR', 8],
  ['NOT_SUPPORTED_ERR', 9],
  ['INUSE_ATTRIBUTE_ERR', 10],
  ['INVALID_STATE_ERR', 11],
  ['SYNTAX_ERR', 12],
  ['INVALID_MODIFICATION_ERR', 13],
  ['NAMESPACE_ERR', 14],
  ['INVALID_ACCESS_ERR', 15],
  ['VALIDATION_ERR', 16],
  ['TYPE_MISMATCH_ERR', 17],
  ['SECURITY_ERR', 18],
  ['NETWORK_ERR', 19],
  ['ABORT_ERR', 20],
  ['URL_MISMATCH_ERR', 21],
  ['QUOTA_EXCEEDED_ERR', 22],
  ['TIMEOUT_ERR', 23],
  ['INVALID_NODE_TYPE_ERR', 24],
  ['DATA_CLONE_ERR', 25],
];

const hasOwn = Object.prototype.hasOwnProperty;

/** Options form of the second constructor argument (a Node/WebIDL extension carrying `cause`). */
export interface DOMExceptionOptions {
  name?: string;
  cause?: unknown;
}

/**
 * `DOMException(message = '', name = 'Error')`. The second argument may also be
 * `{ name, cause }`. `code` follows the legacy table (0 for modern names).
 */
export class DOMException extends Error {
  #name: string;
  #message: string;

  declare readonly code: number;
  declare static readonly INDEX_SIZE_ERR: 1;
  declare static readonly DOMSTRING_SIZE_ERR: 2;
  declare static readonly HIERARCHY_REQUEST_ERR: 3;
  declare static readonly WRONG_DOCUMENT_ERR: 4;
  declare static readonly INVALID_CHARACTER_ERR: 5;
  declare static readonly NO_DATA_ALLOWED_ERR: 6;
  declare static readonly NO_MODIFICATION_ALLOWED_ERR: 7;
  declare static readonly NOT_FOUND_ERR: 8;
  declare static readonly NOT_SUPPORTED_ERR: 9;
  declare static readonly INUSE_ATTRIBUTE_ERR: 10;
  declare static readonly INVALID_STATE_ERR: 11;
  declare static readonly SYNTAX_ERR: 12;
  declare static readonly INVALID_MODIFICATION_ERR: 13;
  declare static readonly NAMESPACE_ERR: 14;
  declare static readonly INVALID_ACCESS_ERR: 15;
  declare static readonly VALIDATION_ERR: 16;
  declare static readonly TYPE_MISMATCH_ERR: 17;
  declare static readonly SECURITY_ERR: 18;
  declare static readonly NETWORK_ERR: 19;
  declare static readonly ABORT_ERR: 20;
  declare static readonly URL_MISMATCH_ERR: 21;
  declare static readonly QUOTA_EXCEEDED_ERR: 22;
  declare static readonly TIMEOUT_ERR: 23;
  declare static readonly INVALID_NODE_TYPE_ERR: 24;
  declare static readonly DATA_CLONE_ERR: 25;

  constructor(message: string = '', options: string | DOMExceptionOptions = 'Error') {
    // No message passed to Error: it would become an own data property shadowing the accessor.
    super();
    this.#message = `${message}`;
    if (options !== null && typeof options === 'object') {
      const name = options.name;
      this.#name = name === undefined ? 'Error' : `${name}`;
      if ('cause' in options) {
        Object.defineProperty(this, 'cause', { value: options.cause, writable: true, configurable: true });
      }
    } else {
      this.#name = options === undefined ? 'Error' : `${options}`;
    }
    // The stack's first line was made in super(), before the name and message existed (they are
    // accessors here, which V8 does not consult for it): write it as browsers and Node show it.
    const stack = (this as { stack?: unknown }).stack;
    if (typeof stack === 'string') {
      const rest = stack.indexOf('\n');
      const header = this.#message === '' ? this.#name : `${this.#name}: ${this.#message}`;
      Object.defineProperty(this, 'stack', { value: header + (rest < 0 ? '' : stack.slice(rest)), writable: true, configurable: true });
    }
  }

  static {
    const proto = DOMException.prototype;
    Object.defineProperties(proto, {
      name: {
        get(this: DOMException): string {
          return this.#name;
        },
        enumerable: true,
        configurable: true,
      },
      message: {
        get(this: DOMException): string {
          return this.#message;
        },
        enumerable: true,
        configurable: true,
      },
      code: {
        get(this: DOMException): number {
          const name = this.#name;
          return hasOwn.call(CODES, name) ? (CODES[name] ?? 0) : 0;
        },
        enumerable: true,
        configurable: true,
      },
    });
    defineInterface(DOMException, 'DOMException', 0);
    for (const [key, value] of CONSTANTS) {
      const desc = { value, enumerable: true, writable: false, configurable: false };
      Object.defineProperty(DOMException, key, desc);
      Object.defineProperty(proto, key, desc);
    }
  }
}
