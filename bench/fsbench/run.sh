#!/usr/bin/env bash
# The quorumfs file-system benchmark (issue 7): the same single-threaded phases on a quorumfs FUSE
# mount and on a native directory of the same disk, with the ratio to native.
#
#   bench/fsbench/run.sh                       self-mount fs-core (mem: metadata, directory blobs), 1 GiB
#   bench/fsbench/run.sh --size-mib 128        a quick run
#   bench/fsbench/run.sh --target /mnt/q       an existing quorumfs mount (e.g. from `quorumfs up`)
#   bench/fsbench/run.sh --cluster            metadata on a local 3-replica raft:// cluster (child JVMs)
#   bench/fsbench/run.sh --meta rocks:///var/tmp/fsbench-meta   another metadata backend by URI
#
# Run as root (FUSE mounts, and dropping the page cache for the cold phases).
# Options: --size-mib N --files N --small N --fsync N --random N --listings N --native DIR
#          --target DIR --meta URI --blobs DIR --cluster  (see FsBench's Javadoc)
set -euo pipefail
cd "$(dirname "$0")/../.."
cp_file=bench/target/fsbench.classpath
mvn -B -ntp -o -q -pl bench -am package -DskipTests dependency:build-classpath \
  -Dmdep.outputFile="$PWD/$cp_file" -Dmdep.includeScope=runtime >/dev/null
# Reactor modules resolve to their freshly built jars.
cp="bench/target/classes:$(cat "$cp_file")"
for m in kv-spi kv-rocks ratis-meta blob fs-core fuse; do cp="$cp:$m/target/classes"; done
# WARN-level logging: logback's default (DEBUG to the console) slowed the FUSE threads by 5-30 %.
# FSBENCH_JAVA_OPTS: extra JVM options, e.g. -XX:StartFlightRecording:filename=/tmp/fsbench.jfr,settings=profile
exec java -Xmx1g -XX:+UseG1GC -Dfile.encoding=UTF-8 ${FSBENCH_JAVA_OPTS:-} \
  -Dlogback.configurationFile=bench/src/main/resources/io/quorumfs/bench/fs/logback-bench.xml \
  -cp "$cp" io.quorumfs.bench.fuse.FsBench \
  --native "${FSBENCH_NATIVE:-/var/tmp/fsbench}" "$@"
