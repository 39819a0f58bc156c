# streamqc: `docker build -t streamqc:0.1.0 .` then `docker run -v $PWD/streamqc.yaml:/etc/streamqc/streamqc.yaml streamqc:0.1.0`
# (the config needs `http.host: 0.0.0.0` to be reachable from outside the container). See docs/DEPLOYMENT.md.
#
# Two stages: the build stage compiles TypeScript and keeps only the production dependencies; the runtime
# stage is Node 20 on Debian slim with the compiled service, run as the unprivileged `node` user (uid 1000).
# FFmpeg is inside node-av's platform package (statically linked, glibc only): no system FFmpeg.

FROM node:20-bookworm-slim AS build
# better-sqlite3 is native: its install script fetches a prebuilt binary and compiles from source when none
# matches (another architecture, no network to GitHub), which needs these.
RUN apt-get update \
  && apt-get install -y --no-install-recommends python3 make g++ \
  && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
# --ignore-scripts: the package's own `prepare` (the build) needs the sources, copied below, and node-av's
# postinstall downloads an ffmpeg command-line binary streamqc never runs. better-sqlite3's install script is
# the one needed, run by the rebuild.
RUN npm ci --ignore-scripts --no-audit --no-fund && npm rebuild better-sqlite3
COPY tsconfig.json tsconfig.build.json ./
COPY scripts ./scripts
COPY src ./src
RUN npm run build && npm prune --omit=dev --ignore-scripts

FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production
WORKDIR /app
# Owned by root, so the service cannot change its own code.
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
# The only places the service writes: results (SQLite), evidence files, temporary files.
RUN mkdir -p /etc/streamqc /var/lib/streamqc && chown node:node /var/lib/streamqc
VOLUME ["/var/lib/streamqc"]
USER node
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s \
  CMD ["node", "-e", "fetch('http://127.0.0.1:8080/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# Node handles SIGTERM itself (`streamqc run` stops its workers, flushes results and exits 0), and reaps the
# channel workers it forks, so it runs as PID 1 without an init.
ENTRYPOINT ["node", "/app/dist/cli/main.js"]
CMD ["run", "--config", "/etc/streamqc/streamqc.yaml"]
