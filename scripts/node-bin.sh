#!/usr/bin/env bash
# Prints a directory whose `node` is the Node.js major version .nvmrc names (the functions'
# runtime): the machine's own node when it is that version, otherwise the binary the npm registry
# serves as the package node-<platform>-<arch>, installed once into .local/ (git-ignored) and
# reused by later runs. Messages go to stderr, so that
#
#   PATH="$(scripts/node-bin.sh):$PATH" npm test
#
# runs the suites on that version whatever the machine has.
set -euo pipefail
cd "$(dirname "$0")/.."

major="$(tr -d '[:space:]v' < .nvmrc)"
major_of() { "$1" -p 'process.versions.node.split(".")[0]' 2>/dev/null || true; }

if [ "$(major_of node)" = "$major" ]; then
  dirname "$(command -v node)"
  exit 0
fi

package="node-$(node -p 'process.platform + "-" + process.arch')"
prefix=".local/node-$major"
bin="$PWD/$prefix/node_modules/.bin"
if [ "$(major_of "$bin/node")" != "$major" ]; then
  echo "Installing Node.js $major from the npm registry ($package@$major) into $prefix/" >&2
  rm -rf "$prefix"
  npm install --prefix "$prefix" --no-save --no-audit --no-fund --loglevel=error \
    "$package@$major" >&2
fi
echo "$bin"
