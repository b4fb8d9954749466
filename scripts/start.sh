#!/usr/bin/env bash
# `npm start`: starts and seeds the lab, opens the TUI on it, and afterwards says how to stop the
# lab and how to run `lifeboat` by name.
set -euo pipefail
cd "$(dirname "$0")/.."
node bin/lifeboat.js lab up --quiet
node bin/lifeboat.js lab seed --quiet
status=0
node bin/lifeboat.js || status=$?
cat >&2 <<TEXT
The lab is still running (stop it with: node bin/lifeboat.js lab down).
To type 'lifeboat' instead of 'node bin/lifeboat.js': run 'npm link' once in this folder.
TEXT
exit $status
