#!/usr/bin/env bash
# Gets a fresh Debian/Ubuntu machine ready: system packages, npm packages, build. Idempotent and quick
# when everything is in place, so `npm start` and `npm test` can always call it first.
#   scripts/setup.sh          to run restgate (the Kerberos binding builds against libkrb5-dev)
#   scripts/setup.sh --test   also Redis, an MIT KDC, Kerberos and Python clients, Chromium, OpenJDK 17 and JUnit
#   scripts/setup.sh --bench  also wrk and the servers the benchmark starts
set -euo pipefail
cd "$(dirname "$0")/.."
mode=${1:-run}

need=(g++ make python3 libkrb5-dev)
case "$mode" in
  run) ;;
  # The Jira/Confluence authenticator (integrations/atlassian/build.sh) is built and tested with Debian's Java;
  # OAuth signatures are checked by python3-oauthlib in a stub upstream.
  --test) need+=(curl wrk redis-server redis-tools krb5-kdc krb5-admin-server krb5-user python3-requests-kerberos chromium fonts-dejavu-core
                 openjdk-17-jdk-headless libservlet-api-java libslf4j-java junit5
                 python3-oauthlib python3-jwt python3-cryptography) ;;
  --bench) need+=(curl wrk redis-server redis-tools krb5-kdc krb5-admin-server krb5-user) ;;
  *) echo "usage: scripts/setup.sh [--test|--bench]" >&2; exit 2 ;;
esac

node_major=$(node -p 'process.versions.node.split(".")[0]')
if [ "$node_major" -lt 20 ]; then
  echo "restgate needs Node.js 20.19 or later (found $(node --version))" >&2
  exit 1
fi

missing=()
for p in "${need[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "setup: installing Debian packages: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  elif [ "$mode" = run ]; then
    echo "setup: missing Debian packages: ${missing[*]} (as root: apt-get install ${missing[*]})." >&2
    echo "setup: continuing; without libkrb5-dev the Kerberos binding is not built and kerberos.enabled cannot be used." >&2
  else
    echo "setup: missing Debian packages: ${missing[*]}" >&2
    echo "setup: install them as root: apt-get install ${missing[*]}" >&2
    exit 1
  fi
fi

# npm ci only when the lock file changed since the last install.
if ! cmp -s package-lock.json node_modules/.restgate-lock 2>/dev/null; then
  echo "setup: npm ci"
  npm ci --no-audit --no-fund --loglevel=error
  cp package-lock.json node_modules/.restgate-lock
fi

echo "setup: building"
npx --no-install tsc -p tsconfig.json
