#!/bin/sh
# The compose stack's TLS material, made by the one-shot `tls-init` service (no Node on the host):
# a local CA, and for each TLS server of the stack its own key and certificate, each in the named
# volume only that server mounts, owned by the user it runs as. The apps get the CA certificate
# only.
#
# Runs at every `docker compose up`: when every file is there and no certificate expires within 30
# days it changes nothing; otherwise it makes all of it anew. The CA's key lives only in this
# container's memory (tmpfs) and is gone when it exits: nothing can ever be signed by this CA
# again, so trusting ca.crt in a browser (docs/DEPLOYING.md) trusts these certificates and no
# others. Its name constraints say the same to the browser: it may certify only the names below.
#
# One `issue` line per server: its volume, the uid that must own its key (the user the image runs
# the server as: 999 is `postgres` in postgres:17-bookworm and `redis` in redis:7-bookworm; 0 for
# Caddy and Mailpit, which run as root), then the names its certificate carries. Each writes
# <volume>/ca.crt, <volume>/server.crt (0644) and <volume>/server.key (0600).
# scripts/validate-compose-front.ts reads these lines to check that every file a service mounts is made
# here; test/delivery/tls-init.e2e-spec.ts runs this script and checks that it writes exactly that.
#
#   TLS_ROOT  where the volumes are mounted (default /tls)
set -eu
root=${TLS_ROOT:-/tls}
umask 022

# The CA may only certify the stack's own names (RFC 5280 name constraints).
CA_NAMES='permitted;DNS:localhost,permitted;DNS:postgres,permitted;DNS:redis,permitted;DNS:mailpit,permitted;IP:127.0.0.1/255.255.255.255'

servers() {
  issue postgres 999 postgres
  issue redis 999 redis
  issue mailpit 0 mailpit
  issue proxy 0 localhost 127.0.0.1
  publish_ca ca
}

# ---- check mode: does every file exist, with 30 days left?
complete=yes
issue() {
  for f in ca.crt server.crt server.key; do [ -s "$root/$1/$f" ] || complete=no; done
  [ ! -s "$root/$1/server.crt" ] ||
    openssl x509 -checkend 2592000 -noout -in "$root/$1/server.crt" >/dev/null || complete=no
}
publish_ca() { [ -s "$root/$1/ca.crt" ] || complete=no; }
servers
if [ "$complete" = yes ]; then
  echo "tls-init: material present in $root, valid for 30 days or more; nothing to do"
  exit 0
fi

# ---- make mode: a new CA, then every server's key and certificate.
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
openssl req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -sha256 -days 3650 \
  -subj '/CN=secure-nest-foundation compose CA' \
  -keyout "$work/ca.key" -out "$work/ca.crt" \
  -addext 'basicConstraints=critical,CA:TRUE,pathlen:0' \
  -addext 'keyUsage=critical,keyCertSign,cRLSign' \
  -addext "nameConstraints=critical,$CA_NAMES" 2>/dev/null

issue() {
  dir="$root/$1" owner=$2
  shift 2
  san=''
  for name in "$@"; do
    case $name in
      *[!0-9.]*) san="$san,DNS:$name" ;;
      *) san="$san,IP:$name" ;;
    esac
  done
  mkdir -p "$dir"
  chmod 0755 "$dir"
  openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -sha256 \
    -subj "/CN=$1" -keyout "$work/server.key" -out "$work/server.csr" 2>/dev/null
  printf '%s\n' 'basicConstraints=critical,CA:FALSE' \
    'keyUsage=critical,digitalSignature' 'extendedKeyUsage=serverAuth' \
    "subjectAltName=${san#,}" >"$work/server.ext"
  # 825 days: the longest validity Apple's platforms accept for a TLS server certificate.
  openssl x509 -req -sha256 -days 825 -in "$work/server.csr" -CA "$work/ca.crt" \
    -CAkey "$work/ca.key" -CAcreateserial -extfile "$work/server.ext" \
    -out "$work/server.crt" 2>/dev/null
  # Removed first: root without CAP_DAC_OVERRIDE may not open a key it gave to another uid.
  rm -f "$dir/ca.crt" "$dir/server.crt" "$dir/server.key"
  install -m 0644 "$work/ca.crt" "$dir/ca.crt"
  install -m 0644 "$work/server.crt" "$dir/server.crt"
  install -m 0600 "$work/server.key" "$dir/server.key"
  # The key belongs to the user the server runs as; only root may give it away (always, in the
  # container; a test run as another user keeps its own files).
  if [ "$(id -u)" = 0 ]; then chown "$owner:$owner" "$dir/server.key" "$dir/server.crt"; fi
  rm -f "$work/server.key"
  echo "tls-init: $dir/server.crt for $*"
}
publish_ca() {
  mkdir -p "$root/$1"
  chmod 0755 "$root/$1"
  rm -f "$root/$1/ca.crt"
  install -m 0644 "$work/ca.crt" "$root/$1/ca.crt"
  echo "tls-init: $root/$1/ca.crt"
}
servers
