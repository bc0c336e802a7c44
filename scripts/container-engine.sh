#!/usr/bin/env bash
# Starts, stops or checks the container engine that the docker runtime and the container tests
# use on a machine without Docker: Podman's Docker-compatible API (Debian's `podman`), as root,
# on a unix socket. Prints the DOCKER_HOST to use. A real Docker daemon needs none of this:
# point DOCKER_HOST at it (or leave /var/run/docker.sock) instead.
#
#   scripts/container-engine.sh start|stop|status
#
# FLEET_ENGINE_SOCKET picks the socket (default /run/fleet-engine.sock).
set -euo pipefail

SOCK="${FLEET_ENGINE_SOCKET:-/run/fleet-engine.sock}"
PIDFILE="${SOCK%.sock}.pid"
LOG="${SOCK%.sock}.log"
WORKDIR="${SOCK%.sock}.d"

# Whether the engine answers its ping (Node, which the project has anyway, rather than curl).
up() {
  node -e 'require("node:http")
    .get({ socketPath: process.argv[1], path: "/_ping", timeout: 2000 }, (r) =>
      process.exit(r.statusCode === 200 ? 0 : 1))
    .on("error", () => process.exit(1))
    .on("timeout", () => process.exit(1))' "$SOCK" 2>/dev/null
}

case "${1:-}" in
  start)
    if up; then
      echo "container engine already up: DOCKER_HOST=unix://$SOCK"
      exit 0
    fi
    if ! command -v podman >/dev/null 2>&1; then
      echo "podman not found: apt-get install -y podman busybox-static (as root)" >&2
      exit 1
    fi
    rm -f "$SOCK"
    # Its own working directory: conmon writes a file named `oom` into it when the kernel's OOM
    # killer ends a container, which must not land in the checkout.
    mkdir -p "$WORKDIR"
    cd "$WORKDIR"
    # Podman 4.3 on a host with both cgroup hierarchies sees the cgroup2 mount and then cannot
    # create a container; in a private mount namespace that mount is hidden from it alone (the
    # machine's own mounts are untouched) and it uses cgroup v1. setsid: it outlives this shell.
    setsid unshare -m sh -c '
      if mountpoint -q /sys/fs/cgroup/unified; then umount /sys/fs/cgroup/unified; fi
      exec podman system service --time=0 "unix://$0"' "$SOCK" >"$LOG" 2>&1 </dev/null &
    echo $! >"$PIDFILE"
    for _ in $(seq 1 150); do
      up && break
      sleep 0.2
    done
    if ! up; then
      echo "the container engine did not answer on $SOCK; its log ($LOG):" >&2
      cat "$LOG" >&2
      exit 1
    fi
    echo "container engine up: export DOCKER_HOST=unix://$SOCK"
    ;;
  stop)
    if [ -f "$PIDFILE" ]; then
      kill "$(cat "$PIDFILE")" 2>/dev/null || true
      rm -f "$PIDFILE"
    fi
    rm -rf "$SOCK" "$WORKDIR"
    echo "container engine stopped"
    ;;
  status)
    if up; then echo "up: DOCKER_HOST=unix://$SOCK"; else
      echo "down (scripts/container-engine.sh start)"
      exit 1
    fi
    ;;
  *)
    echo "usage: $0 start|stop|status" >&2
    exit 2
    ;;
esac
