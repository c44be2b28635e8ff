/**
 * `edgefn serve` as a child process, for tests that must see what the process does as a whole:
 * survive (or not) a hostile function, its memory (RSS), its exit code, a kill -9.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

export interface ServeProcess {
  child: ChildProcess;
  gatewayUrl: string;
  apiUrl: string;
  /** Everything the process wrote to stderr so far. */
  stderr(): string;
  /** Whether the process is still running. */
  alive(): boolean;
  /** Resident memory of the process, in MB (Linux). */
  rssMb(): number;
  /** The replica lane's process id (a child of this process), if it runs. */
  lanePid(): number | undefined;
  /** The gateway worker processes' ids (children of this process; none with --workers 1). */
  workerPids(): number[];
  /** SIGKILL, resolved once it has exited. */
  kill9(): Promise<void>;
}

/** Resident memory of a process, in MB, from /proc (Linux). */
export function rssMbOf(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? NaN);
  return kb / 1024;
}

/** Child process ids of a process (Linux). */
export function childrenOf(pid: number): number[] {
  const ids: number[] = [];
  for (const task of readdirSync(`/proc/${pid}/task`)) {
    const text = readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').trim();
    if (text) ids.push(...text.split(/\s+/).map(Number));
  }
  return ids;
}

/** A process's command line (Linux); empty once it has gone. */
function commandOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
  } catch {
    return '';
  }
}

/**
 * Starts `edgefn serve`. Its gateway runs in the serving process (`--workers 1`), the process these
 * tests watch, unless `extraArgs` asks for workers.
 */
export function startServeProcess(dataDir: string, extraArgs: string[] = [], env: Record<string, string> = {}): Promise<ServeProcess> {
  const workers = extraArgs.includes('--workers') ? [] : ['--workers', '1'];
  const child = spawn(process.execPath, ['bin/edgefn.js', 'serve', '--data-dir', dataDir, '--port', '0', '--admin-port', '0', ...workers, ...extraArgs], {
    env: { ...process.env, EDGEFN_ADMIN_TOKEN: 'test-token', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (text: string) => (err += text));
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.setEncoding('utf8');
    child.stdout!.on('data', (text: string) => {
      out += text;
      const gateway = /gateway: (http:\/\/\S+)/.exec(out);
      const api = /API:\s+(http:\/\/\S+)\/api\/v1/.exec(out);
      if (gateway && api) {
        resolve({
          child,
          gatewayUrl: gateway[1]!,
          apiUrl: api[1]!,
          stderr: () => err,
          alive: () => child.exitCode === null && child.signalCode === null,
          rssMb: () => rssMbOf(child.pid!),
          lanePid: () => childrenOf(child.pid!).find((pid) => commandOf(pid).includes('lane.js')),
          workerPids: () => childrenOf(child.pid!).filter((pid) => commandOf(pid).includes('worker.js')),
          kill9: () =>
            new Promise((done) => {
              if (child.exitCode !== null || child.signalCode !== null) return done();
              child.once('exit', () => done());
              child.kill('SIGKILL');
            }),
        });
      }
    });
    child.once('exit', (code, signal) => reject(new Error(`serve exited (${signal ?? code}): ${out}${err}`)));
  });
}
