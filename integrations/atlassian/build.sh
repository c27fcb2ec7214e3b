#!/usr/bin/env bash
# Builds dist/restgate-atlassian.jar, the Seraph authenticators for Jira and Confluence, with Debian's OpenJDK 17
# against javax.servlet 4 (what the Tomcat 9 inside Jira 9/10 and Confluence 8/9 provides) and slf4j (which both
# products ship). Atlassian's own jars cannot be fetched here: the main code compiles against stand-ins of the few
# Seraph, Jira and Confluence classes it extends (src/stubs, never put in the jar).
#   integrations/atlassian/build.sh                      the jar
#   integrations/atlassian/build.sh --test               the jar, then the JUnit tests (Debian's junit5 console launcher)
#   integrations/atlassian/build.sh --vectors KEY ADDRS FILE   after --test: restgate's shared vectors through the verifier
set -euo pipefail
cd "$(dirname "$0")"
mode=${1:---jar}

need=(openjdk-17-jdk-headless libservlet-api-java libslf4j-java)
case "$mode" in
  --jar) ;;
  --test|--vectors) need+=(junit5) ;;
  *) echo "usage: build.sh [--test | --vectors KEY_FILE ADDRESSES VECTORS_FILE]" >&2; exit 2 ;;
esac
missing=()
for p in "${need[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "build.sh: installing Debian packages: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "build.sh: missing Debian packages: ${missing[*]} (as root: apt-get install ${missing[*]})" >&2
    exit 1
  fi
fi

jdk=/usr/lib/jvm/java-17-openjdk-amd64
[ -x "$jdk/bin/javac" ] || jdk=$(dirname "$(dirname "$(readlink -f "$(command -v javac)")")")
javac="$jdk/bin/javac"
java="$jdk/bin/java"
jar="$jdk/bin/jar"
share=/usr/share/java
servlet=$share/servlet-api-4.0.1.jar
[ -f "$servlet" ] || servlet=$share/servlet-api.jar
slf4j=$share/slf4j-api.jar
junit=$share/junit-platform-console-standalone.jar
# The tests bind slf4j to java.util.logging, so they can read what the authenticators log.
test_cp="dist/test-classes:dist/classes:$servlet:$slf4j:$share/slf4j-jdk14.jar"

if [ "$mode" = --vectors ]; then
  [ $# -eq 4 ] || { echo "usage: build.sh --vectors KEY_FILE ADDRESSES VECTORS_FILE" >&2; exit 2; }
  exec "$java" -Xshare:auto -XX:TieredStopAtLevel=1 -cp "$test_cp" restgate.atlassian.VectorCheck "$2" "$3" "$4"
fi

rm -rf dist/classes dist/test-classes dist/restgate-atlassian.jar
mkdir -p dist/classes
# -J flags: a short-lived compiler needs no optimising JIT; on two shared cores this halves the wall time.
fast=(-J-XX:TieredStopAtLevel=1 -J-Xshare:auto)
# Stand-ins and main code in one compiler run; only restgate/** goes into the jar.
"$javac" "${fast[@]}" --release 11 -Xlint:all,-serial -Werror -encoding UTF-8 -d dist/classes -cp "$servlet:$slf4j" \
  $(find src/stubs/java src/main/java -name '*.java' | sort)
"$jar" --create --file dist/restgate-atlassian.jar -C dist/classes restgate
if "$jar" --list --file dist/restgate-atlassian.jar | grep -q '^com/'; then
  echo "build.sh: a stand-in class got into the jar" >&2
  exit 1
fi
echo "build.sh: built $(pwd)/dist/restgate-atlassian.jar"

if [ "$mode" = --test ]; then
  mkdir -p dist/test-classes
  "$javac" "${fast[@]}" --release 17 -Xlint:all,-serial -Werror -encoding UTF-8 -d dist/test-classes -cp "dist/classes:$servlet:$slf4j:$junit" \
    $(find src/test/java -name '*.java' | sort)
  "$java" -Xshare:auto -XX:TieredStopAtLevel=1 -jar "$junit" --disable-banner --disable-ansi-colors --details=tree \
    --class-path "$test_cp" --scan-class-path dist/test-classes
fi
