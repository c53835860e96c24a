# Vengtoo Agent image: multi-stage, Node 20 on Debian bookworm (slim), runs as a non-root user.
#
#   docker build -t vengtoo/agent .
#   docker run -d -e VENGTOO_API_KEY=your-key -p 8181:8181 -v vengtoo-cache:/var/lib/vengtoo/bundles vengtoo/agent
#   docker run -d -p 8181:8181 -v "$PWD/examples:/policy:ro" vengtoo/agent --policy /policy/policy.rego

# ---- build: compile TypeScript, then keep only production dependencies ----
FROM node:20-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
# --ignore-scripts: the `prepare` build needs the sources, which are copied next.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build && npm prune --omit=dev --ignore-scripts

# ---- runtime ----
FROM node:20-bookworm-slim
ENV NODE_ENV=production \
    VENGTOO_LISTEN_ADDR=0.0.0.0:8181 \
    VENGTOO_CACHE_DIR=/var/lib/vengtoo/bundles
RUN groupadd --system --gid 10001 vengtoo \
 && useradd --system --uid 10001 --gid vengtoo --home-dir /var/lib/vengtoo --shell /usr/sbin/nologin vengtoo \
 && mkdir -p /var/lib/vengtoo/bundles \
 && chown -R vengtoo:vengtoo /var/lib/vengtoo
WORKDIR /app
COPY --from=build /src/package.json ./package.json
COPY --from=build /src/node_modules ./node_modules
COPY --from=build /src/dist ./dist
COPY examples ./examples
USER vengtoo:vengtoo
VOLUME ["/var/lib/vengtoo/bundles"]
EXPOSE 8181
# Liveness via Node itself (the slim image has no curl); follows VENGTOO_LISTEN_ADDR's port.
HEALTHCHECK --interval=15s --timeout=3s --start-period=10s --retries=3 \
  CMD ["node", "-e", "const p=(process.env.VENGTOO_LISTEN_ADDR||':8181').split(':').pop();fetch('http://127.0.0.1:'+p+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
ENTRYPOINT ["node", "/app/dist/cli/main.js"]
