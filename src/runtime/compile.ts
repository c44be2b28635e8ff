/** Checking code before it is saved: size and syntax, without running anything. */
import type { ErrorCode } from '../domain/errors.ts';
import { SyntaxChecker } from './isolate.ts';

/** Why code cannot be saved. */
export interface CodeProblem {
  code: ErrorCode;
  message: string;
  line?: number;
  column?: number;
}

export class CodeChecker {
  readonly #maxBytes: number;
  readonly #syntax = new SyntaxChecker();

  constructor(maxBytes: number) {
    this.#maxBytes = maxBytes;
  }

  /** The problem with `code`, or null when it may be saved. */
  check(code: string): CodeProblem | null {
    const size = Buffer.byteLength(code, 'utf8');
    if (size > this.#maxBytes) {
      return { code: 'InvalidParameter.ContentExceedsLimit', message: `Code is ${size} bytes; the limit is ${this.#maxBytes} bytes` };
    }
    const error = this.#syntax.check(code, 'function.js');
    if (!error) return null;
    return { code: 'InvalidParameter.BadContent', message: `SyntaxError: ${error.message} (line ${error.line}, column ${error.column})`, line: error.line, column: error.column };
  }

  close(): void {
    this.#syntax.dispose();
  }
}
