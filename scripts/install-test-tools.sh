#!/usr/bin/env bash
# Installs, from Debian's packages, the tools the tests use as oracles and
# builders when they are missing (each test fails with a clear message
# without its tool; none is skipped):
#   php-cli, ruby, r-base-core (Rscript), maven + openjdk-17-jdk-headless (java, jar):
#     version-ordering oracles; jar builds the Java archives
#   rpm (rpm, rpmbuild) and python3-rpm: rpm databases and rpm's own version ordering
#   db5.3-util (db5.3_load): Berkeley DB writes rpm's older Packages database from real headers
#   golang-go: real Go binaries for the Go build-info reader; gcc and libc6-dev link some
#     of them with the system linker (Go's external linking)
#   docker-registry, skopeo: the reference OCI registry on loopback, and pushing test images into it
#   wabt (wat2wasm): builds the OPA-ABI policy modules the tests load from project-owned WAT source
#   chromium: the headless browser the edge dashboard's end-to-end test drives through playwright-core
# Run by the test setup (test/helpers/global-setup.ts) and by .ci/run.
# Installing needs root; without it, this says what to run and fails.
set -euo pipefail

packages=(php-cli python3-rpm r-base-core ruby rpm db5.3-util maven openjdk-17-jdk-headless golang-go gcc libc6-dev
  docker-registry skopeo wabt chromium)
missing=()
for p in "${packages[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
  echo "the tests need these Debian packages: ${missing[*]}" >&2
  echo "install them as root: apt-get install -y --no-install-recommends ${missing[*]}" >&2
  exit 1
fi
echo "installing the test tools: ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
# The package lists of a fresh machine may be stale or absent: update only when an install fails.
# Another run installing at the same time holds dpkg's lock: wait for it rather than fail.
install=(apt-get -o DPkg::Lock::Timeout=600 install -y -q --no-install-recommends "${missing[@]}")
"${install[@]}" >&2 || { apt-get -o DPkg::Lock::Timeout=600 update -q >&2 && "${install[@]}" >&2; }
