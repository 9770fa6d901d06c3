#!/usr/bin/env bash
# Installs what Ferry needs on Debian 12 (as root, with apt-get) and builds it into build/.
# Idempotent: packages already present are not reinstalled, the build is incremental.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(build-essential cmake ninja-build pkg-config git
          libpq-dev librocksdb-dev libspdlog-dev libyaml-cpp-dev libcli11-dev libgtest-dev libgmock-dev nlohmann-json3-dev docker-compose
          postgresql-15 postgresql-client-15 mariadb-server libmariadb-dev zlib1g-dev librdkafka-dev libcpp-httplib-dev)
packages+=("$@")  # extra packages a caller needs (the benchmarks add theirs)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "setup: missing packages ${missing[*]}; run as root so apt-get can install them" >&2
    exit 1
  fi
  echo "setup: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  # Debian's postgresql and mariadb packages start default servers; Ferry's scripts start their own
  # throwaway servers and do not need them.
  systemctl disable --now mariadb >/dev/null 2>&1 || true
fi

cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DFERRY_WERROR=ON >/dev/null
cmake --build build -j "$(nproc)"
