# The poller (functions/poller.ts) as a small Node 24 image. The build context is the poller
# bundle's directory, made by the one bundle build (cdk/lib/bundles.ts): `npm pack` ships it as
# dist/assets/poller/ (this file next to index.mjs), and a checkout of this repository builds it
# at synth. `cdk synth` only stages that directory; `cdk deploy` builds the image from it.
# Nothing is compiled or installed here: the image runs exactly the bundle the tests run.
FROM node:24-slim
ENV NODE_ENV=production \
    HEALTH_PORT=8080
WORKDIR /app
COPY --chown=root:root index.mjs index.mjs.map ./dist/
USER node
EXPOSE 8080
# The poller answers 200 on /health while its Kafka consumers run. The image has no curl: Node's fetch.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.HEALTH_PORT || 8080) + '/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "--enable-source-maps", "dist/index.mjs"]
