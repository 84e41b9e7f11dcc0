#!/usr/bin/env bash
# Installs the Debian packages the test suite needs (real ENet / DTLS peers), idempotently.
# Prints what it installs; fails loudly (never skips silently) when a package cannot be had.
set -euo pipefail
need=()
for pkg in libenet-dev libmbedtls-dev godot3-server gcc make python3 openssl; do
  dpkg -s "$pkg" >/dev/null 2>&1 || need+=("$pkg")
done
if [ ${#need[@]} -gt 0 ]; then
  echo "setup-system: installing ${need[*]}"
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
fi
echo "setup-system: ok (libenet $(dpkg-query -W -f='${Version}' libenet-dev))"
