# restgate: build stage compiles TypeScript and the Kerberos binding (better-sqlite3 ships prebuilt
# Node-API binaries); the runtime stage carries only the Kerberos runtime library and runs as an
# unprivileged user. Node.js 24 LTS, the release scripts/node.sh pins for the tests.
#   docker build -t restgate .
#   docker run -p 8000:8000 -e JIRA_URL=http://jira:8080 -v restgate-data:/var/lib/restgate restgate
#   docker run -p 8000:8000 -v /etc/restgate:/etc/restgate:ro -v restgate-data:/var/lib/restgate restgate

ARG NODE_VERSION=24.22.3

FROM node:${NODE_VERSION}-bookworm-slim AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends g++ make python3 libkrb5-dev \
 && rm -rf /var/lib/apt/lists/*
# node-gyp builds against this image's own headers (/usr/local/include/node) instead of downloading them.
ENV npm_config_nodedir=/usr/local
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npx tsc -p tsconfig.build.json && npm prune --omit=dev

FROM node:${NODE_VERSION}-bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends libgssapi-krb5-2 libkrb5-3 tini \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system restgate \
 && useradd --system --gid restgate --home-dir /var/lib/restgate --shell /usr/sbin/nologin restgate \
 && mkdir -p /etc/restgate /var/lib/restgate/data \
 && chown -R restgate:restgate /var/lib/restgate \
 && chmod 0700 /var/lib/restgate /var/lib/restgate/data
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist/src ./dist/src
# The token page's HTML, CSS and script, read at start from beside dist/.
COPY public ./public
COPY config ./config
COPY LICENSE ./
# A policy to start with (upstream.url from $JIRA_URL), replaced by mounting your own over /etc/restgate.
COPY config/restgate.example.yaml /etc/restgate/restgate.yaml
ENV NODE_ENV=production \
    RESTGATE_CONFIG=/etc/restgate/restgate.yaml \
    KRB5RCACHEDIR=/var/lib/restgate \
    RESTGATE_HEALTH_URL=http://127.0.0.1:9090/healthz
USER restgate
# The working directory is the data volume, writable by restgate alone: the default store.path
# (./data/restgate.db), the generated token hash key beside it and the Kerberos replay cache all land in
# it, so a policy that leaves store.path alone keeps its tokens across container restarts.
WORKDIR /var/lib/restgate
# The policy file and the keytab are mounted read-only; tokens, sessions and snapshots live in the volume.
# A read-only policy means snapshot restores are refused (409, and /readyz says so): restore by changing
# the mounted file. Set server.admin.host: 0.0.0.0 to reach /metrics from outside the container.
VOLUME ["/etc/restgate", "/var/lib/restgate"]
EXPOSE 8000 9090
# The slim image has no curl: Node's own fetch asks the admin listener (server.admin, 127.0.0.1:9090 by
# default; set RESTGATE_HEALTH_URL when the policy moves it). test/deploy/container.test.ts runs this line.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch(process.env.RESTGATE_HEALTH_URL,{signal:AbortSignal.timeout(4000)}).then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
ENTRYPOINT ["/usr/bin/tini", "--", "node", "/app/dist/src/cli.js"]
