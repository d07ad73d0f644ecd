# The poller (functions/poller.ts) as a small Node 24 image. Built by `cdk deploy`
# (ContainerImage.fromAsset); `cdk synth` only stages this context.

# Build stage: production dependencies only, plus the esbuild version the lock file pins,
# then one bundled ESM file. Nothing of this stage but the bundle reaches the image.
FROM node:24-slim AS build
WORKDIR /build
COPY package.json package-lock.json ./
# --ignore-scripts: no dependency runs code at install (esbuild's binary comes as a package).
RUN npm ci --omit=dev --ignore-scripts
# esbuild is a devDependency: installed apart, in /tools, so the omitted dev tree stays omitted.
RUN npm install --prefix /tools --ignore-scripts --no-audit --no-fund \
      "esbuild@$(node -p "require('./package-lock.json').packages['node_modules/esbuild'].version")"
COPY tsconfig.json ./
COPY lib ./lib
COPY functions ./functions
# kafkajs is CommonJS: the banner gives the ESM bundle the `require` it calls for Node built-ins.
RUN /tools/node_modules/.bin/esbuild functions/poller.ts \
      --bundle --platform=node --target=node24 --format=esm --main-fields=module,main \
      --banner:js="import { createRequire as __bridgeCreateRequire } from 'node:module'; const require = __bridgeCreateRequire(import.meta.url);" \
      --minify --sourcemap --sources-content=false --outfile=dist/poller.mjs

# Runtime stage: Node and the bundle, run as the image's unprivileged `node` user.
FROM node:24-slim
ENV NODE_ENV=production \
    HEALTH_PORT=8080
WORKDIR /app
COPY --from=build --chown=root:root /build/dist ./dist
USER node
EXPOSE 8080
# The poller answers 200 on /health while its Kafka consumers run. The image has no curl: Node's fetch.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.HEALTH_PORT || 8080) + '/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "--enable-source-maps", "dist/poller.mjs"]
