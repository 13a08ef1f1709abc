#!/usr/bin/env bash
# Installs the Debian tools the test suite compares Vigil against (promtool, Prometheus,
# Alertmanager, amtool) when they are missing, so `npm test` needs no other set-up step.
# Emulators that ship with the machine image (moto_server, gcloud) cannot be installed here:
# the tests that need them say so in one line.
set -euo pipefail
missing=()
command -v promtool >/dev/null 2>&1 || missing+=(prometheus)
command -v prometheus-alertmanager >/dev/null 2>&1 || missing+=(prometheus-alertmanager)
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "test setup: installing ${missing[*]} (Debian packages)"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "test setup: missing ${missing[*]}; install them with apt-get (the tests that need them will fail)" >&2
  fi
fi
for tool in moto_server gcloud; do
  command -v "$tool" >/dev/null 2>&1 || echo "test setup: $tool is not on this machine; the tests that need it will fail" >&2
done
exit 0
