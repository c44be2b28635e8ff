/**
 * `edgefn replicas edit`: the replica's code in the user's editor. Saving uploads it with the
 * revision it was read at; code that does not compile is shown with its line and column and the
 * editor opens again; a revision conflict (someone else saved first) leaves the user's text in a
 * file and says where. Nothing the user typed is ever thrown away.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ApiClient, Json } from './client.ts';
import { CliError } from './errors.ts';
import { colours, inert } from './output.ts';

/** Codes whose text the user can fix in the editor. */
const fixable = new Set(['InvalidParameter.BadContent', 'InvalidParameter.ContentExceedsLimit']);

function runEditor(file: string): Promise<number> {
  const editor = process.env.VISUAL || process.env.EDITOR || 'vi';
  // Through the shell, as git does, so EDITOR may carry arguments ("code --wait").
  const child = spawn('/bin/sh', ['-c', `${editor} "$1"`, 'editor', file], { stdio: 'inherit' });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code, signal) => resolve(code ?? (signal ? 128 : 1)));
  });
}

/** Edits until uploaded (the new replica) or unchanged (undefined). */
export async function editReplica(api: ApiClient, path: string, name: string): Promise<Json | undefined> {
  const replica = await api.get(path);
  const dir = mkdtempSync(join(tmpdir(), 'edgefn-edit-'));
  const file = join(dir, `${name}.js`);
  writeFileSync(file, replica.content as string, { mode: 0o600 });
  let rejected: string | undefined;
  for (;;) {
    const status = await runEditor(file);
    if (status !== 0) throw new CliError(`the editor exited with status ${status}; nothing was uploaded (your text is in ${file})`);
    const text = readFileSync(file, 'utf8');
    if (text === replica.content) {
      rmSync(dir, { recursive: true, force: true });
      process.stderr.write('No changes; nothing was uploaded\n');
      return undefined;
    }
    if (text === rejected) throw new CliError(`saved without fixing the error; nothing was uploaded (your text is in ${file})`);
    try {
      const updated = await api.request('PATCH', path, { content: text, revision: replica.revision });
      rmSync(dir, { recursive: true, force: true });
      return updated;
    } catch (error) {
      if (!(error instanceof CliError)) throw error;
      if (error.code !== undefined && fixable.has(error.code)) {
        process.stderr.write(`${colours.red('error:')} ${inert(error.message)}\nReopening the editor; save the file unchanged to give up.\n`);
        rejected = text;
        continue;
      }
      if (error.code === 'FailedOperation.ReplicaRevisionConflict') {
        throw new CliError(
          `replica ${name} was changed by someone else while you edited (you started from revision ${replica.revision as number}); nothing was uploaded. Your text is in ${file}: compare it with \`edgefn replicas get\`, then upload with \`edgefn replicas update --file ${file}\` [${error.code}]`,
          { code: error.code },
        );
      }
      throw new CliError(`${error.message} (your text is in ${file})`, { ...(error.code ? { code: error.code } : {}), exitCode: error.exitCode });
    }
  }
}
