#!/bin/sh
# Installs the Debian packages MegaDB needs to build and test.  Idempotent:
# with --check-or-install it only calls apt-get when a package is missing.
set -e
PKGS="build-essential cmake pkg-config libpg-query-dev libprotobuf-c-dev libedit-dev libssl-dev clang zstd python3 postgresql-client-15 python3-psycopg2 openssl openjdk-17-jdk-headless libpostgresql-jdbc-java nodejs"
missing=""
for p in $PKGS; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "installing:$missing"
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO=sudo
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $missing >/dev/null
