/** Where the API says code is broken: InvalidParameter.BadContent carries {line, column}. */
import { ApiError } from './api.ts';
import type { CodeProblem } from './editor.tsx';

export function problemOf(error: unknown): CodeProblem | null {
  if (!(error instanceof ApiError) || error.code !== 'InvalidParameter.BadContent') return null;
  const line = Number(error.details?.line);
  const column = Number(error.details?.column);
  return Number.isInteger(line) ? { line, column: Number.isInteger(column) ? column : 1, message: error.message } : null;
}
