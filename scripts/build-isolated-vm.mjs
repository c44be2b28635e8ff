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
const stamp = `isolated-vm ${version} -D${flag} thread-clock-2 node ${process.version}\n`;
if (existsSync(target) && existsSync(marker) && readFileSync(marker, 'utf8') === stamp) process.exit(0);

// isolated-vm's clock build has two gaps the host cannot live with, which this patch closes:
// - `cpuTime` read while an entry runs adds the wall time since the entry began (it cannot read
//   another thread's clock); the host's watchdog reads exactly that. The timer now keeps the CPU
//   clock id of the thread running the isolate, readable from any thread.
// - Node's own isolate is timed with the thread clock too, a system call (1.5 µs on a VM with
//   page-table isolation) twice per call into or out of an isolate on the event loop. Node's
//   isolate keeps the monotonic clock: its CPU time is never read.
patch('executor.h', ['static auto Now() -> TimePoint;', 'auto Now() const -> TimePoint;'], ['std::chrono::time_point<std::chrono::steady_clock> steady_time;', 'clockid_t thread_clock;'], ['#include <chrono>', '#include <chrono>\n#include <pthread.h>\n#include <time.h>']);
patch(
  'executor.cc',
  ['executor{executor}, last{cpu_timer_thread}, time{Now()}', 'executor{executor}, last{cpu_timer_thread}, time{}'],
  [', steady_time{std::chrono::steady_clock::now()}', ', thread_clock{ClockFor(executor.env)}'],
  ['{\n\tcpu_timer_thread = this;', '{\n\ttime = Now();\n\tcpu_timer_thread = this;'],
  ['return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - steady_time);', 'return std::chrono::duration_cast<std::chrono::nanoseconds>(Now() - time); // edgefn: the running thread\'s clock'],
  ['\tsteady_time = std::chrono::steady_clock::now();\n', ''],
  ['auto Executor::CpuTimer::Now() -> TimePoint {\n\ttimespec ts{};\n\tassert(clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) == 0);', 'auto Executor::CpuTimer::Now() const -> TimePoint {\n\ttimespec ts{};\n\tclock_gettime(thread_clock, &ts);'],
  ['auto Executor::CpuTimer::Now() -> TimePoint {\n\treturn std::chrono::steady_clock::now();', 'auto Executor::CpuTimer::Now() const -> TimePoint {\n\treturn std::chrono::steady_clock::now();'],
  [
    'thread_local Executor* Executor::current_executor = nullptr;',
    `thread_local Executor* Executor::current_executor = nullptr;
#if USE_CLOCK_THREAD_CPUTIME_ID
// edgefn: the CPU clock of the thread running the isolate, readable from any thread while it lives.
static auto ClockFor(IsolateEnvironment& env) -> clockid_t {
	clockid_t id{};
	if (env.IsDefault() || pthread_getcpuclockid(pthread_self(), &id) != 0) return CLOCK_MONOTONIC;
	return id;
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
// Headers: the ones scripts/use-node.sh named, else those next to this Node (official builds and
// most packages ship them), else node-gyp downloads them.
const ownHeaders = dirname(dirname(process.execPath));
const nodedir = process.env.npm_config_nodedir || (existsSync(join(ownHeaders, 'include', 'node', 'node.h')) ? ownHeaders : undefined);
if (nodedir) args.push(`--nodedir=${nodedir}`);
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
    if (to === '' ? !text.includes(from) : text.includes(to)) continue; // done by an earlier run
    if (!text.includes(from)) throw new Error(`build-isolated-vm: ${file} has changed; cannot apply edgefn's patch (${from})`);
    text = text.replace(from, to);
  }
  writeFileSync(path, text);
}
console.log(`build-isolated-vm: done in ${Math.round((Date.now() - started) / 1000)} s`);
