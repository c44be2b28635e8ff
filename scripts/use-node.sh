# Source this file (`source scripts/use-node.sh`) to run edgefn's commands on a supported Node.
#
# If the `node` on PATH satisfies package.json's `engines.node`, nothing changes. Otherwise (a machine
# that still has Node 20, say) the official Node binary for this platform is taken from the npm
# registry package `node-<os>-<arch>` (the same registry, mirror and proxy settings `npm install`
# uses; npm checks the tarball against the registry's integrity hash), unpacked once into a cache
# directory, and put first on PATH. `npm_config_nodedir` points node-gyp at that package's headers,
# so a native addon that has to compile never tries to download headers from nodejs.org.
#
# The machine's npm keeps working: it is a script run by whichever `node` is first on PATH.
# Settings: EDGEFN_NODE_VERSION (default below), EDGEFN_NODE_CACHE (default ~/.cache/edgefn).

EDGEFN_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

# Prints the directory of Node <version> for this machine, fetching it into the cache first if needed.
edgefn_node_dir() {
  local version="$1" os arch
  case "$(uname -s)" in
    Linux) os=linux ;;
    Darwin) os=darwin ;;
    *) echo "use-node: no Node package for $(uname -s); install a supported Node yourself" >&2; return 1 ;;
  esac
  case "$(uname -m)" in
    x86_64 | amd64) arch=x64 ;;
    aarch64 | arm64) arch=arm64 ;;
    *) echo "use-node: no Node package for $(uname -m); install a supported Node yourself" >&2; return 1 ;;
  esac
  local cache="${EDGEFN_NODE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/edgefn}"
  local dir="$cache/node-v$version-$os-$arch"
  if [ ! -x "$dir/bin/node" ]; then
    echo "use-node: fetching node-$os-$arch@$version from the npm registry into $cache" >&2
    local tmp
    mkdir -p "$cache" && tmp="$(mktemp -d "$cache/.tmp.XXXXXX")" || return 1
    if ! (cd "$tmp" && npm pack "node-$os-$arch@$version" --silent >/dev/null &&
      mkdir unpacked && tar -xzf "node-$os-$arch-$version.tgz" -C unpacked --strip-components=1 &&
      [ -x unpacked/bin/node ] && [ -f unpacked/include/node/node.h ]); then
      echo "use-node: could not fetch or unpack node-$os-$arch@$version" >&2
      rm -rf "$tmp"
      return 1
    fi
    # A rename is atomic: a concurrent or interrupted run never leaves a half-unpacked Node behind.
    mv "$tmp/unpacked" "$dir" 2>/dev/null || [ -x "$dir/bin/node" ] || { rm -rf "$tmp"; return 1; }
    rm -rf "$tmp"
  fi
  echo "$dir"
}

edgefn_use_node() {
  local version="${EDGEFN_NODE_VERSION:-24.22.3}" satisfies="$EDGEFN_ROOT/scripts/node-satisfies.mjs"
  if node "$satisfies"; then
    return 0
  fi
  if ! node "$satisfies" "$version"; then
    echo "use-node: EDGEFN_NODE_VERSION=$version is not a version package.json's engines.node allows" >&2
    return 1
  fi
  echo "use-node: Node $(node --version) is not one package.json's engines.node allows; using $version" >&2
  local dir
  dir="$(edgefn_node_dir "$version")" || return 1
  export PATH="$dir/bin:$PATH"
  export npm_config_nodedir="$dir"
  hash -r
  echo "use-node: using Node $(node --version) from $dir" >&2
}

edgefn_use_node
