#!/usr/bin/env bash
# Planting at scale against the Key Vault emulator: VAULTS vaults over SUBS
# subscriptions, a secret, a key and a certificate each, 429s injected into
# every vault (THROTTLE when it is listed and again when its creates start,
# with RETRY_AFTER), CONCURRENCY vaults at once. Checks every vault is
# correct and complete, that no 429 came from a limit (only the injected
# ones appear in the audit log) and no 10 s window holds more creates than
# Key Vault allows, then runs again to show nothing more is created.
#   VAULTS=1000 SUBS=20 CONCURRENCY=64 bench/plant/run.sh
# EC_CERTS=1 seeds every vault with an EC certificate so the planted ones are
# EC: without it the emulator's RSA key generation is most of the CPU.
set -euo pipefail
cd "$(dirname "$0")/../.."
export PATH=$PATH:/usr/local/go/bin
go test ./bench/plant -run TestPlant -count=1 -v -timeout 60m -args \
  -vaults "${VAULTS:-1000}" -subs "${SUBS:-20}" -concurrency "${CONCURRENCY:-64}" \
  -throttle "${THROTTLE:-2}" -retry-after "${RETRY_AFTER:-1s}" ${EC_CERTS:+-ec-certs} ${DB:+-db "$DB"}
