#!/usr/bin/env bash
# Captures the TUI's inventory of a real seeded lab at 80x24 without colour, for the README:
# lab up, seed, one backup, the TUI in a detached tmux, the inventory and its `/at risk` filter.
# Writes docs/captures/lab-inventory*.txt and the README's blocks; stops the lab again.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=$(mktemp -d /tmp/lifeboat-captures-XXXXXX)
sock="lifeboat-captures-$$"
cleanup() {
  tmux -L "$sock" kill-server 2>/dev/null || true
  node bin/lifeboat.js lab down --dir "$dir/lab" >/dev/null 2>&1 || true
  rm -rf "$dir"
}
trap cleanup EXIT
node bin/lifeboat.js lab up --dir "$dir/lab" --quiet
eval "$(node bin/lifeboat.js lab env --dir "$dir/lab")"
node bin/lifeboat.js lab seed --dir "$dir/lab" >/dev/null
node bin/lifeboat.js backup >/dev/null 2>&1
tmux -L "$sock" new-session -d -s cap -x 80 -y 24 \
  "env NO_COLOR=1 TERM=xterm-256color LIFEBOAT_CONFIG=$LIFEBOAT_CONFIG KUBECONFIG=$KUBECONFIG DOCKER_HOST=$DOCKER_HOST node bin/lifeboat.js; sleep 600"
screen() { tmux -L "$sock" capture-pane -p -t cap | sed -e 's/[[:space:]]*$//' | sed -e :a -e '/^\n*$/{$d;N;ba' -e '}'; }
# Waits (up to 3 minutes) for a pattern on the screen.
await() { for _ in $(seq 1 180); do screen | grep -q "$1" && return 0; sleep 1; done; echo "timed out waiting for $1" >&2; screen >&2; exit 1; }
await 'inventory(all)\[[1-9]'
await 'coverage [0-9]'
screen > docs/captures/lab-inventory.txt
tmux -L "$sock" send-keys -t cap '/'
tmux -L "$sock" send-keys -t cap -l 'at risk'
tmux -L "$sock" send-keys -t cap Enter
await '</at risk>'
screen > docs/captures/lab-inventory-at-risk.txt
tmux -L "$sock" send-keys -t cap q
node bin/run-ts.js scripts/readme-captures.ts
