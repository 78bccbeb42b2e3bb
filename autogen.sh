#!/bin/sh
# autogen.sh - generate the configure script from a git checkout.
set -e
cd "$(dirname "$0")"
autoreconf --force --install --verbose
echo "Now run ./configure && make"
