#!/bin/sh
# Starts redis-server with the users of docker/redis/users.acl. Redis reads neither comments nor
# variables in an ACL file, so this renders it first: comment and blank lines dropped, the
# placeholder replaced by the SHA-256 of REDIS_APP_PASSWORD (the file holds the hash, never the
# password). Then runs the given command with `--aclfile` added.
#   REDIS_ACL_TEMPLATE  the file to render (default: /etc/redis/users.acl, mounted read-only)
#   REDIS_ACL_FILE      where the rendered file goes (default: /data/users.acl, the image's workdir,
#                       which its entrypoint hands to the redis user)
set -eu
: "${REDIS_APP_PASSWORD:?REDIS_APP_PASSWORD is not set}"
template=${REDIS_ACL_TEMPLATE:-/etc/redis/users.acl}
rendered=${REDIS_ACL_FILE:-/data/users.acl}
hash=$(printf '%s' "$REDIS_APP_PASSWORD" | sha256sum | cut -d ' ' -f 1)
umask 077
grep -v -e '^#' -e '^[[:space:]]*$' "$template" | sed "s/APP_PASSWORD_SHA256/$hash/" >"$rendered"
exec "$@" --aclfile "$rendered"
