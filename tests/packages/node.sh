#!/bin/sh
# node.sh DIR: what a user does with the Node package, offline: `npm pack`
# of bindings/node into DIR, an install of the tarball into the empty project
# DIR/app (which compiles the library), then use.js there with better-sqlite3
# from tests/bindings. Prints use.js's output; on a failure, npm's log.
set -e
repo=$(pwd)
dir=$1
rm -rf "$dir" && mkdir -p "$dir/app"
dir=$(cd "$dir" && pwd)
if ! (cd bindings/node && "$NPM" pack --silent --pack-destination "$dir") >"$dir/npm.log" 2>&1 ||
   ! (cd "$dir/app" && echo '{"private": true}' >package.json &&
      "$NPM" install --offline --no-audit --no-fund --loglevel=error "$dir"/sqlite-papers-*.tgz) \
      >>"$dir/npm.log" 2>&1; then
  cat "$dir/npm.log"
  exit 1
fi
cp tests/packages/use.js "$dir/app/"
cd "$dir/app" && DIGEST="$repo/tests/fixtures/hf-daily-papers-2026-05-15.txt" \
  NODE_PATH="$repo/tests/bindings/node_modules" "$NODE" use.js
