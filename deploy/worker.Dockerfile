# A long-lived Fleet worker: `fleet worker` from the packed package, and nothing else.
#
# The build context is a folder where the packed package is installed without its dev
# dependencies (deploy/README.md shows the commands), so the image holds exactly what
# `npm install fleet` gives a user, built once by `npm pack`, with no compiler and no sources.
# NODE_IMAGE is any image with Node 20 at /usr/bin/node or on PATH and a /bin/sh for
# `--exec` commands (Debian's node:20-slim by default).
ARG NODE_IMAGE=node:20-slim
FROM ${NODE_IMAGE}
ENV NODE_ENV=production \
    HOME=/tmp \
    FLEET_HOME=/tmp/fleet
WORKDIR /opt/fleet
COPY node_modules ./node_modules
# Not root; numeric, so that it needs no /etc/passwd entry (a Kubernetes runAsNonRoot check
# accepts it).
USER 1000:1000
# The health endpoint: GET /healthz (ready: active and claiming) and GET /livez.
EXPOSE 8080
# The enrollment key comes from FLEET_KEY, the server from NATS_URL; arguments are the worker's.
# SIGTERM drains (held tasks finish) for up to --drain-timeout, then the worker leaves the pool.
ENTRYPOINT ["node", "/opt/fleet/node_modules/fleet/bin/fleet.mjs", "worker"]
CMD ["--health-port", "8080", "--health-host", "0.0.0.0"]
