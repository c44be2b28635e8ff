// Exits 0 if a Node version satisfies package.json's engines.node, 1 if not; scripts/use-node.sh
// uses it with whatever old Node a machine has, so it stays plain JavaScript without dependencies.
// Usage: node scripts/node-satisfies.mjs [version]   (default: the running Node)
import { readFileSync } from 'node:fs';

/** True if `version` (X.Y.Z) satisfies `range`, a `||` list of `^X.Y.Z` (the only form engines uses). */
function satisfies(range, version) {
  const v = version.replace(/^v/, '').split('.').map(Number);
  return range.split('||').some((alternative) => {
    const m = /^\s*\^(\d+)\.(\d+)\.(\d+)\s*$/.exec(alternative);
    if (!m) throw new Error(`node-satisfies understands only ^X.Y.Z alternatives, not "${alternative.trim()}"`);
    const [major, minor, patch] = m.slice(1).map(Number);
    return v[0] === major && (v[1] > minor || (v[1] === minor && v[2] >= patch));
  });
}

const { engines } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
process.exit(satisfies(engines.node, process.argv[2] ?? process.versions.node) ? 0 : 1);
