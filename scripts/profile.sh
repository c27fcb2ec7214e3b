#!/usr/bin/env bash
# CPU profile of restgate forwarding with authentication off, under wrk load (as benchmark case 3):
#   scripts/profile.sh [seconds=5] [out-dir]
# TOKEN=1 scripts/profile.sh ... profiles case 4e instead: one API token in Basic, a cache hit.
# SESSION=1 scripts/profile.sh ... profiles case 5: a session cookie (logged in once with a token), a cache hit.
# KERBEROS=1 scripts/profile.sh ... profiles case 6: a fresh SPNEGO token per request (made up front against
#   the bench's private KDC, each sent once), anonymous requests refused as in case r2.
# FORWARD_AUTH=1 (with TOKEN=1 or SESSION=1) profiles the forward-auth endpoint instead (cases n2, n3 without
# nginx): wrk sends the auth requests nginx would, to /restgate/auth.
# Prints CPU µs per request and the top self-time entries; leaves the .cpuprofile in out-dir for DevTools.
set -euo pipefail
cd "$(dirname "$0")/.."
# The node the build was made with (see scripts/node.sh); run `npm run build` (or npm test) first.
# shellcheck source=scripts/node.sh
. scripts/node.sh
secs=${1:-5}
out=${2:-$(mktemp -d /tmp/restgate-profile-XXXXXX)}
mkdir -p "$out"
port=$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')
stub=$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')
tokens_enabled=false; [ -n "${TOKEN:-}${SESSION:-}" ] && tokens_enabled=true
kerberos="{ enabled: false }"; anonymous=passthrough
if [ -n "${KERBEROS:-}" ]; then
  node dist/bench/kerberos-tokens.js "$out" "${KERBEROS_TOKENS:-20000}"
  mkdir -p "$out/rcache"
  kerberos="{ enabled: true, keytab: $out/http.keytab, servicePrincipal: HTTP@localhost, replayCacheDir: $out/rcache }"
  anonymous=deny
  export KRB5_CONFIG="$out/krb5.conf"
fi
forward_auth=false; [ -n "${FORWARD_AUTH:-}" ] && forward_auth=true
cat > "$out/policy.yaml" <<YAML
server: { host: 127.0.0.1, port: $port, admin: { enabled: false }, trustedProxies: [127.0.0.1/32] }
forwardAuth: { enabled: $forward_auth }
upstream: { url: "http://127.0.0.1:$stub" }
store: { type: embedded, path: $out/rg.db }
kerberos: $kerberos
apiTokens: { enabled: $tokens_enabled, hashKeyFile: $out/hash.key }
anonymous: $anonymous
logging: { level: info, accessLog: true }
YAML
auth=()
warm=(); load=()
[ -n "${KERBEROS:-}" ] && warm=(-s "$out/warm.lua") && load=(-s "$out/load.lua")
if [ -n "${TOKEN:-}${SESSION:-}" ]; then
  # The session login takes a write token (as bench case 5 seeds it).
  scope=read; [ -n "${SESSION:-}" ] && scope=write
  secret=$(node --input-type=module -e "import { seedTokens } from './dist/bench/tokens.js'; const s = await seedTokens({ type: 'embedded', path: '$out/rg.db' }, '$out/hash.key', 1, 1, '$scope'); console.log(s.secrets[0])")
  auth=(-H "Authorization: Basic $(printf 'bench:%s' "$secret" | base64 -w0)")
else
  head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$out/hash.key"
fi
node dist/bench/servers/stub-jira.js "$stub" & stub_pid=$!
node --cpu-prof --cpu-prof-dir="$out" dist/src/cli.js --config "$out/policy.yaml" > "$out/rg.log" 2> "$out/rg.err" & rg_pid=$!
trap 'kill $stub_pid 2>/dev/null || true; kill $rg_pid 2>/dev/null || true' EXIT
# Up once it answers at all (with anonymous: deny, a 401).
for _ in $(seq 100); do curl -s -o /dev/null "${auth[@]}" "http://127.0.0.1:$port/rest/api/2/issue/X" && break; sleep 0.1; done
if [ -n "${SESSION:-}" ]; then
  # Jira's session API shape with the token as the password; then only the cookie on every request.
  cookie=$(curl -fs -D - -o /dev/null -H 'Content-Type: application/json' \
    --data "{\"username\":\"bench\",\"password\":\"$secret\"}" "http://127.0.0.1:$port/rest/auth/1/session" |
    tr -d '\r' | sed -n 's/^[Ss]et-[Cc]ookie: \(RESTGATE_SESSION=[^;]*\).*/\1/p' | head -n1)
  [ -n "$cookie" ] || { echo "session login failed" >&2; exit 1; }
  auth=(-H "Cookie: $cookie")
fi
cpus=$(nproc)
pin_rg=$((cpus - 1)); pin_rest=0
[ "$cpus" -gt 1 ] && taskset -a -p -c $pin_rg $rg_pid >/dev/null && taskset -a -p -c $pin_rest $stub_pid >/dev/null
url="http://127.0.0.1:$port/rest/api/2/issue/BENCH-42"
if [ -n "${FORWARD_AUTH:-}" ]; then
  url="http://127.0.0.1:$port/restgate/auth"
  auth+=(-H "X-Original-URI: /rest/api/2/issue/BENCH-42" -H "X-Original-Method: GET")
fi
taskset -c $pin_rest wrk -t1 -c32 -d2s "${auth[@]}" "${warm[@]}" "$url" >/dev/null
ticks() { awk '{print $14 + $15}' "/proc/$rg_pid/stat"; }
before=$(ticks)
res=$(taskset -c $pin_rest wrk -t1 -c32 -d"${secs}s" "${auth[@]}" "${load[@]}" "$url")
echo "$res" | grep -q 'Non-2xx' && echo "warning: non-2xx responses" >&2
after=$(ticks)
reqs=$(echo "$res" | awk '/requests in/ {print $1}')
hz=$(getconf CLK_TCK)
echo "$res" | grep -E 'Requests/sec|requests in'
echo "CPU µs/request: $(echo "($after - $before) * 1000000 / $hz / $reqs" | bc -l | xargs printf '%.1f')"
kill -TERM $rg_pid; wait $rg_pid || true
node dist/bench/profile-top.js "$out"/*.cpuprofile
echo "profile: $out"
