#!/usr/bin/env bash
# The data-path probes beside fsbench, on the classpath run.sh builds:
#
#   bench/fsbench/probe.sh DataPathProbe [--size-mib 512] [--rounds 3] [--read-ahead N]
#       fs-core sequential write + fsync and cold read without FUSE, CPU per MiB per thread group
#   bench/fsbench/probe.sh FillerProbe [entries=5000] [rounds=200]
#       ns per readdir entry on jnr-fuse's filler path, and fs-core's own readdir
#
# Run as root for DataPathProbe (it drops the page cache before each read).
set -euo pipefail
cd "$(dirname "$0")/../.."
main=$1; shift
cp_file=bench/target/fsbench.classpath
mvn -B -ntp -o -q -pl bench -am package -DskipTests dependency:build-classpath \
  -Dmdep.outputFile="$PWD/$cp_file" -Dmdep.includeScope=runtime >/dev/null
cp="bench/target/classes:$(cat "$cp_file")"
for m in kv-spi kv-rocks ratis-meta blob fs-core fuse; do cp="$cp:$m/target/classes"; done
exec java -Xmx1g -XX:+UseG1GC -Dfile.encoding=UTF-8 ${FSBENCH_JAVA_OPTS:-} \
  -Dlogback.configurationFile=bench/src/main/resources/io/quorumfs/bench/fs/logback-bench.xml \
  -cp "$cp" "io.quorumfs.bench.fuse.$main" "$@"
