// Rebuilds isolated-vm so `isolate.cpuTime` counts the CPU time of the thread running the isolate
// (CLOCK_THREAD_CPUTIME_ID) instead of the wall time it stayed entered. Guest code runs on
// isolated-vm's thread pool, several isolates at once; with the prebuilt binary an isolate that
// waits for a core is charged for the wait, so a function within its CPU limit would be failed
// whenever the machine is busy. See docs/runtime.md.
//
// Runs after `npm install` (package.json "postinstall") for the Node running it, and again for each
// other Node line that should run edgefn (.ci/run does this for Node 22). The binary replaces the
// prebuilt one for this Node ABI, which is where isolated-vm's loader (node-gyp-build) looks; a
// marker next to it records that it is ours, so a second run does nothing. Linux and macOS only
// (the clock is POSIX); elsewhere the prebuilt binary stays and the runtime reports a wall clock.
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);
const packageDir = dirname(require.resolve('isolated-vm/package.json'));
const { version } = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8'));
const flag = 'USE_CLOCK_THREAD_CPUTIME_ID=1';

if (process.platform !== 'linux' && process.platform !== 'darwin') {
  console.warn(`build-isolated-vm: ${process.platform} has no per-thread CPU clock; keeping the prebuilt isolated-vm`);
  process.exit(0);
}

const libc = process.platform === 'linux' ? (process.report.getReport().header.glibcVersionRuntime ? '.glibc' : '.musl') : '';
const target = join(packageDir, 'prebuilds', `${process.platform}-${process.arch}`, `isolated-vm.abi${process.versions.modules}${libc}.node`);
const marker = `${target}.edgefn`;
const stamp = `isolated-vm ${version} -D${flag} thread-clock node ${process.version}\n`;
if (existsSync(target) && existsSync(marker) && readFileSync(marker, 'utf8') === stamp) process.exit(0);

// isolated-vm's clock build reads another thread's running entry (a `cpuTime` taken while the
// isolate runs) as wall time since the entry began; the host's watchdog reads exactly that. The
// patch keeps the running thread's CPU clock id and reads it from any thread instead.
patch('executor.h', ['std::chrono::time_point<std::chrono::steady_clock> steady_time;', 'clockid_t thread_clock;'], ['#include <chrono>', '#include <chrono>\n#include <pthread.h>\n#include <time.h>']);
patch(
  'executor.cc',
  [', steady_time{std::chrono::steady_clock::now()}', ', thread_clock{ThreadClock()}'],
  ['return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - steady_time);', 'return ReadClock(thread_clock) - time;'],
  ['steady_time = std::chrono::steady_clock::now();', 'thread_clock = ThreadClock();'],
  [
    'thread_local Executor* Executor::current_executor = nullptr;',
    `thread_local Executor* Executor::current_executor = nullptr;
#if USE_CLOCK_THREAD_CPUTIME_ID
// edgefn: the CPU clock of the calling thread, readable from other threads while it lives.
static auto ThreadClock() -> clockid_t {
	clockid_t id{};
	return pthread_getcpuclockid(pthread_self(), &id) == 0 ? id : CLOCK_THREAD_CPUTIME_ID;
}
static auto ReadClock(clockid_t id) -> std::chrono::time_point<std::chrono::steady_clock, std::chrono::nanoseconds> {
	timespec ts{};
	clock_gettime(id, &ts);
	return std::chrono::time_point<std::chrono::steady_clock, std::chrono::nanoseconds>{std::chrono::seconds{ts.tv_sec} + std::chrono::nanoseconds{ts.tv_nsec}};
}
#endif`,
  ],
);

const started = Date.now();
console.log(`build-isolated-vm: compiling isolated-vm ${version} for Node ${process.version} with ${flag} (a few minutes)`);
// node-gyp ships with npm (npm names it while running install scripts); npm_config_nodedir
// (scripts/use-node.sh) points it at local headers, so nothing is downloaded.
const nodeGyp = process.env.npm_config_node_gyp ?? join(dirname(dirname(realpathSync(execFileSync('which', ['npm'], { encoding: 'utf8' }).trim()))), 'node_modules', 'node-gyp', 'bin', 'node-gyp.js');
const args = [nodeGyp, 'rebuild', '--release', `-j`, 'max'];
if (process.env.npm_config_nodedir) args.push(`--nodedir=${process.env.npm_config_nodedir}`);
execFileSync(process.execPath, args, {
  cwd: packageDir,
  stdio: ['ignore', 'ignore', 'inherit'],
  env: { ...process.env, CXXFLAGS: `${process.env.CXXFLAGS ?? ''} -D${flag}`.trim() },
});
mkdirSync(dirname(target), { recursive: true });
copyFileSync(join(packageDir, 'build', 'Release', 'isolated_vm.node'), target);
try {
  execFileSync('strip', ['--strip-unneeded', target], { stdio: 'ignore' }); // 27 MB of symbols otherwise
} catch {
  // no strip here: a larger file, same code
}
// The loader prefers build/Release over prebuilds whatever the ABI; leaving it would break other Nodes.
rmSync(join(packageDir, 'build'), { recursive: true, force: true });
writeFileSync(marker, stamp);

/** Applies [from, to] replacements to one isolated-vm source file, once (a second run finds them done). */
function patch(file, ...edits) {
  const path = join(packageDir, 'src', 'isolate', file);
  let text = readFileSync(path, 'utf8');
  for (const [from, to] of edits) {
    if (text.includes(to)) continue;
    if (!text.includes(from)) throw new Error(`build-isolated-vm: ${file} has changed; cannot apply edgefn's patch (${from})`);
    text = text.replace(from, to);
  }
  writeFileSync(path, text);
}
console.log(`build-isolated-vm: done in ${Math.round((Date.now() - started) / 1000)} s`);
