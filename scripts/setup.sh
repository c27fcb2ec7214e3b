#!/usr/bin/env bash
# Gets a fresh Debian/Ubuntu machine ready: system packages, Node.js, npm packages, build. Idempotent and
# quick when everything is in place, so `npm start` and `npm test` can always call it first.
#   scripts/setup.sh          to run restgate (the Kerberos binding builds against libkrb5-dev)
#   scripts/setup.sh --test   also Redis, an MIT KDC, Kerberos and Python clients, Chromium, OpenJDK 17 and JUnit, Tomcat 10, nginx
#   scripts/setup.sh --bench  also wrk and the servers the benchmark starts (Apache httpd as the peer, nginx)
# Node.js: scripts/node.sh (the one on PATH when new enough, else the pinned release into .node/).
set -euo pipefail
cd "$(dirname "$0")/.."
mode=${1:-run}

need=(g++ make python3 libkrb5-dev)
case "$mode" in
  run) ;;
  # The Jira/Confluence authenticator (integrations/atlassian/build.sh) is built and tested with Debian's Java;
  # OAuth signatures are checked by python3-oauthlib in a stub upstream; context paths and WebSockets are
  # tested on Debian's Tomcat 10.1 (test/helpers/tomcat.ts); nginx runs in front of restgate's
  # forward-auth endpoint (openssl makes its test certificate); systemd-analyze checks the unit in
  # deploy/systemd/ (no systemd needs to run).
  --test) need+=(curl wrk redis-server redis-tools krb5-kdc krb5-admin-server krb5-user python3-requests-kerberos chromium fonts-dejavu-core
                 openjdk-17-jdk-headless libservlet-api-java libslf4j-java junit5
                 python3-oauthlib python3-jwt python3-cryptography tomcat10 nginx openssl systemd) ;;
  --bench) need+=(curl wrk redis-server redis-tools krb5-kdc krb5-admin-server krb5-user apache2 libapache2-mod-auth-gssapi nginx) ;;
  *) echo "usage: scripts/setup.sh [--test|--bench]" >&2; exit 2 ;;
esac

missing=()
for p in "${need[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "setup: installing Debian packages: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    # Debian starts a package's service on install (Apache on port 80, Redis on 6379): the tests and the
    # bench start their own private instances, so a policy-rc.d (the Debian way) keeps the system ones
    # down, unless the machine already has one.
    if [ ! -e /usr/sbin/policy-rc.d ]; then
      printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
      chmod 755 /usr/sbin/policy-rc.d
      trap 'rm -f /usr/sbin/policy-rc.d' EXIT
    fi
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

# shellcheck source=scripts/node.sh
. scripts/node.sh
echo "setup: node $(node --version) ($(command -v node)), npm $(npm --version)"

# npm ci only when the lock file or the node changed since the last install: the native modules are built
# for one node (its ABI), so another node needs them built again.
stamp() { cat package-lock.json; echo "node $(node --version) $(command -v node) headers ${npm_config_nodedir:-}"; }
if ! cmp -s <(stamp) node_modules/.restgate-lock 2>/dev/null; then
  echo "setup: npm ci"
  npm ci --no-audit --no-fund --loglevel=error
  stamp > node_modules/.restgate-lock
fi

echo "setup: building"
npx --no-install tsc -p tsconfig.json
