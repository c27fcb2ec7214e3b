# restgate: build stage compiles TypeScript and the Kerberos binding (better-sqlite3 ships prebuilt
# Node-API binaries); the runtime stage carries only the Kerberos runtime library and runs as an
# unprivileged user. Node.js 24 LTS, the release scripts/node.sh pins for the tests.
#   docker build -t restgate .
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
 && mkdir -p /etc/restgate /var/lib/restgate \
 && chown restgate:restgate /var/lib/restgate
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist/src ./dist/src
# The token page's HTML, CSS and script, read at start from beside dist/.
COPY public ./public
COPY config ./config
ENV NODE_ENV=production \
    RESTGATE_CONFIG=/etc/restgate/restgate.yaml \
    KRB5RCACHEDIR=/var/lib/restgate
USER restgate
# The policy file and the keytab are mounted read-only; tokens, sessions and snapshots live in the volume.
# In the policy, set store.path under /var/lib/restgate and server.admin.host: 0.0.0.0 to reach /metrics.
VOLUME ["/etc/restgate", "/var/lib/restgate"]
EXPOSE 8000 9090
ENTRYPOINT ["/usr/bin/tini", "--", "node", "/app/dist/src/cli.js"]
