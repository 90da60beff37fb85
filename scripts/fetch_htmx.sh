#!/usr/bin/env bash
# Vendors htmx 2.0.x into static/vendor/ (we never load it from a CDN).
# htmx 4.x is a rewrite with renamed events; we stay on the 2.0 line on purpose.
set -euo pipefail
version="${1:-2}"
here="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$work"
tarball="$(npm pack --silent "htmx.org@${version}")"
tar -xzf "$tarball"
exact="$(node -p "require('./package/package.json').version")"
case "$exact" in 2.0.*) ;; *) echo "refusing htmx $exact: the app is written for 2.0.x" >&2; exit 1 ;; esac
dest="$here/static/vendor"
mkdir -p "$dest"
cp package/dist/htmx.min.js "$dest/htmx.min.js"
cp package/LICENSE "$dest/htmx.LICENSE"
printf 'htmx.org %s (BSD Zero Clause License, see htmx.LICENSE)\nsha256 %s\n' \
  "$exact" "$(sha256sum "$dest/htmx.min.js" | cut -d' ' -f1)" > "$dest/htmx.VERSION"
echo "vendored htmx $exact into static/vendor/"
