#!/bin/sh
# PostgreSQL refuses a private key that is group/world readable or not owned by its own user
# (uid 999 in the official image). The host's docker/tls is mounted read-only at /tls-src with
# whatever owner the host gave it, so copy the material into the container with the owner and
# modes PostgreSQL expects, then hand over to the image's own entrypoint.
set -eu
dest=/var/lib/postgresql/tls
install -d -m 0700 -o postgres -g postgres "$dest"
install -m 0644 -o postgres -g postgres /tls-src/ca.crt "$dest/ca.crt"
install -m 0644 -o postgres -g postgres /tls-src/server.crt "$dest/server.crt"
install -m 0600 -o postgres -g postgres /tls-src/server.key "$dest/server.key"
exec docker-entrypoint.sh "$@"
