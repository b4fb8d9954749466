#!/usr/bin/env bash
# Installs what lifeboat's lab and tests need on Debian: the real services (etcd, Docker, a
# registry, Prometheus, PostgreSQL, MariaDB, Redis), restic (the reference for the repository
# format), skopeo, busybox (to build lab images without a network) and tmux. Skips what is already there, so
# `npm start` and `npm test` can run it every time.
#   setup.sh start   what the lab and the TUI need (kubectl is optional: only the tests use it)
#   setup.sh test    that, and kubectl for the tests
set -euo pipefail
cd "$(dirname "$0")/.."
for_what=${1:-test}

declare -A PROGRAM_OF=(
  [etcd-server]=/usr/bin/etcd
  [etcd-client]=/usr/bin/etcdctl
  [docker.io]=/usr/sbin/dockerd
  [docker-registry]=/usr/bin/docker-registry
  [prometheus]=/usr/bin/prometheus
  [postgresql]=/usr/lib/postgresql/15/bin/postgres
  [mariadb-server]=/usr/sbin/mariadbd
  [mariadb-client]=/usr/bin/mariadb-dump
  [redis-server]=/usr/bin/redis-server
  [redis-tools]=/usr/bin/redis-cli
  [restic]=/usr/bin/restic
  [skopeo]=/usr/bin/skopeo
  [busybox-static]=/bin/busybox
  [tmux]=/usr/bin/tmux
  [openssl]=/usr/bin/openssl
  [time]=/usr/bin/time
)
missing=()
for pkg in "${!PROGRAM_OF[@]}"; do
  [ -x "${PROGRAM_OF[$pkg]}" ] || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "lifeboat setup: installing ${missing[*]}" >&2
  as_root=()
  if [ "$(id -u)" != 0 ]; then
    if command -v sudo >/dev/null; then as_root=(sudo); else
      echo "lifeboat setup: missing Debian packages ${missing[*]}: run 'apt-get install ${missing[*]}' as root (the lab itself runs as root too)" >&2
      exit 1
    fi
  fi
  "${as_root[@]}" apt-get update -qq
  # The lab starts its own servers: a package's init must not leave a system-wide one running
  # (MariaDB, Redis and PostgreSQL would start one on their default ports). policy-rc.d 101 says
  # "do not start" to invoke-rc.d; one already there (as in containers) is left as it is.
  policy_made=""
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' | "${as_root[@]}" tee /usr/sbin/policy-rc.d >/dev/null
    "${as_root[@]}" chmod 755 /usr/sbin/policy-rc.d
    policy_made=1
  fi
  DEBIAN_FRONTEND=noninteractive "${as_root[@]}" apt-get install -y -qq "${missing[@]}" >/dev/null
  if [ -n "$policy_made" ]; then "${as_root[@]}" rm -f /usr/sbin/policy-rc.d; fi
  if command -v systemctl >/dev/null && [ -d /run/systemd/system ]; then
    for unit in mariadb redis-server postgresql; do "${as_root[@]}" systemctl disable --now "$unit" >/dev/null 2>&1 || true; done
  fi
fi
if ! command -v kubectl >/dev/null; then
  # Debian bookworm has no kubectl package.
  where="Debian has no package for it: add the Kubernetes apt repository (https://pkgs.k8s.io/core:/stable:/v1.32/deb/, package kubectl) or put the v1.32 binary (https://dl.k8s.io/release/v1.32.4/bin/linux/amd64/kubectl) on PATH"
  if [ "$for_what" = test ]; then
    echo "lifeboat setup: kubectl is not installed: the tests check lifeboat's API server with the real kubectl (v1.32). $where" >&2
    exit 1
  fi
  echo "lifeboat setup: note: kubectl is not installed; lifeboat and the lab do not need it (only the tests do). $where" >&2
fi
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi
