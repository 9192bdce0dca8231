#!/usr/bin/env sh
# Lays out the file tree of samsa's container image in DIR, from a built binary:
#   docker/image-rootfs.sh BINARY SERVER_PROPERTIES DIR
# The image is FROM scratch (samsa links statically), so this is everything in it:
#   DIR/root: /usr/local/bin/samsa, /etc/samsa/server.properties, /etc/passwd and
#   /etc/group (the non-root user samsa, uid 1000) and /tmp (1777, where apache/kafka
#   compose files often point KAFKA_LOG_DIRS);
#   DIR/data: samsa/, kafka/ and bitnami/, which the Dockerfiles copy to /var/lib/samsa,
#   /var/lib/kafka and /bitnami owned by uid 1000, so a named volume mounted there
#   starts writable. /var/lib/samsa/data is the image's log.dirs; the others are where
#   other Kafka images keep their data, so compose files written for them work.
# Used by docker/Dockerfile's build stage and by scripts/build-image.sh; POSIX sh only.
set -eu
binary=$1
properties=$2
dir=$3

rm -rf "$dir"
mkdir -p "$dir/root/usr/local/bin" "$dir/root/etc/samsa" "$dir/root/tmp"
cp "$binary" "$dir/root/usr/local/bin/samsa"
chmod 0755 "$dir/root/usr/local/bin/samsa"
cp "$properties" "$dir/root/etc/samsa/server.properties"
chmod 1777 "$dir/root/tmp"
printf 'root:x:0:0:root:/:/nonexistent\nsamsa:x:1000:1000:samsa:/var/lib/samsa:/nonexistent\n' \
  > "$dir/root/etc/passwd"
printf 'root:x:0:\nsamsa:x:1000:\n' > "$dir/root/etc/group"

mkdir -p "$dir/data/samsa/data" "$dir/data/kafka/data" "$dir/data/bitnami/kafka/data"
