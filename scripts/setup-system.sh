#!/usr/bin/env bash
# Installs the system packages Assay needs that npm cannot: redis-server (embedded Redis),
# fonts-dejavu-core (text in sharp-rendered charts), mosquitto (the embedded MQTT broker for stream
# readings) and chromium (the web app's browser tests; Playwright's own browser download does not
# work here). Does nothing when they are present.
# As root it installs them with apt-get; otherwise it prints the one line to run.
#   --runtime  only what a running node needs (`npm start`): no browser for the tests.
set -euo pipefail
runtime=false
[ "${1:-}" = "--runtime" ] && runtime=true

missing=()
command -v redis-server >/dev/null 2>&1 || [ -n "${REDIS_URL:-}" ] || missing+=(redis-server)
if ! fc-list 2>/dev/null | grep -qi dejavu && [ ! -d /usr/share/fonts/truetype/dejavu ]; then
  missing+=(fonts-dejavu-core)
fi

$runtime || [ -x "${CHROMIUM_PATH:-/usr/bin/chromium}" ] || missing+=(chromium)
command -v mosquitto >/dev/null 2>&1 || [ -x /usr/sbin/mosquitto ] || [ -n "${MQTT_URL:-}" ] || missing+=(mosquitto)

[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "[setup] installing ${missing[*]} with apt-get"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  echo "[setup] installed ${missing[*]}"
  exit 0
fi

echo "[setup] missing system packages: ${missing[*]}" >&2
echo "[setup] install them with: sudo apt-get install -y ${missing[*]}" >&2
echo "[setup] (or set REDIS_URL to use an existing Redis)" >&2
exit 1
