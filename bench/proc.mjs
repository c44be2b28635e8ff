// Figures of a process and all its descendants, from /proc (Linux): for benchmarks that start
// `edgefn serve`, whose workers and replica lane are its children.
import { readFileSync, readdirSync } from 'node:fs';

/** Sums `valueOf(pid)` over the process and its descendants; `skip(pid)` leaves a subtree out. */
function sumOverTree(pid, valueOf, skip = () => false) {
  let sum = 0;
  try {
    if (skip(pid)) return 0;
    sum = valueOf(pid);
    for (const task of readdirSync(`/proc/${pid}/task`)) {
      const children = readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').trim();
      for (const child of children ? children.split(/\s+/) : []) sum += sumOverTree(Number(child), valueOf, skip);
    }
  } catch {
    // gone meanwhile
  }
  return sum;
}

/** Resident memory (MB) of a process and its descendants. */
export const treeRssMb = (pid) => sumOverTree(pid, (p) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${p}/status`, 'utf8'))?.[1] ?? 0)) / 1024;

/** CPU seconds (user + system) of a process and its descendants, leaving out the replica lane. */
export const platformCpuSeconds = (pid) =>
  sumOverTree(
    pid,
    (p) => {
      const fields = readFileSync(`/proc/${p}/stat`, 'utf8').split(') ')[1].split(' ');
      return (Number(fields[11]) + Number(fields[12])) / 100;
    },
    (p) => readFileSync(`/proc/${p}/cmdline`, 'utf8').includes('lane'),
  );
