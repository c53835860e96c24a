#!/usr/bin/env bash
# Makes sure a Debian nginx binary is present for test/cloud/nginx.test.ts (static bundle hosting
# with ETags, as OPA bundle servers do). Idempotent; prints the binary path on success.
# Usage: bash test/cloud/nginx.sh    (needs root and Debian's package registry)
set -euo pipefail
find_nginx() {
  for p in "$(command -v nginx 2>/dev/null || true)" /usr/sbin/nginx /usr/local/sbin/nginx; do
    if [ -n "$p" ] && [ -x "$p" ]; then echo "$p"; return 0; fi
  done
  return 1
}
if bin=$(find_nginx); then echo "$bin"; exit 0; fi
if ! command -v apt-get >/dev/null 2>&1; then echo "nginx.sh: apt-get not available" >&2; exit 2; fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >&2
# nginx-light on Debian 12; plain nginx on releases that dropped the flavours.
apt-get install -y -qq --no-install-recommends nginx-light >&2 || apt-get install -y -qq --no-install-recommends nginx >&2
# The package's own service is not wanted: the tests start their own nginx with their own config.
(command -v service >/dev/null 2>&1 && service nginx stop >/dev/null 2>&1) || true
bin=$(find_nginx) || { echo "nginx.sh: nginx not found after install" >&2; exit 3; }
echo "$bin"
