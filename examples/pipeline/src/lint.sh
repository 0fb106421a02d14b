#!/bin/sh
# A tiny linter: fails when a file under $1 has trailing spaces.
set -e
bad=0
for f in "$1"/*; do
  if grep -n ' $' "$f"; then
    echo "trailing spaces in $f"
    bad=1
  fi
done
[ "$bad" = 0 ] && echo "lint ok: no trailing spaces in $1"
exit "$bad"
