#!/usr/bin/env bash
# Fault soak (issue #17: nothing acknowledged is ever lost): cli's FaultSoakIT run for longer.
#
#   bench/soak/faults.sh [--seconds N] [--seed S] [--keep]
#
# Three replica processes on loopback, a write-back and a write-through `quorumfs mount`, an
# in-process client whose change feed is RESYNCed every second; random whole-file writers,
# slow appenders (fsync every 15 s), files unlinked through one client while another holds them
# open, `quorumfs gc --delete`'s code every 3 s with a 10 s grace (blobs on file://...?refresh=2),
# one replica's store failing one apply at 30 % of the run, the write-back mount SIGKILLed and
# started again at 50 %. At the end: every acknowledged byte equal from the other mount and after
# a restart of every replica, the replicas at one revision, fsck --read-data clean, and a final
# gc leaving only referenced blobs. Default 600 s (bin/test runs it for 40 s). --keep keeps the
# run's directory (logs of every process) under /tmp/quorumfs-fault-soak*.
set -euo pipefail
cd "$(dirname "$0")/../.."

seconds=600 seed=$RANDOM$RANDOM keep=false
while (($#)); do
  case $1 in
    --seconds) seconds=$2; shift 2 ;;
    --seed) seed=$2; shift 2 ;;
    --keep) keep=true; shift ;;
    *) echo "faults: unknown argument $1 (see the comment at the top of $0)" >&2; exit 2 ;;
  esac
done
[[ $(id -u) -eq 0 && -c /dev/fuse ]] || { echo "faults: run as root with /dev/fuse (FUSE mounts)" >&2; exit 2; }

echo "faults: $seconds s, seed $seed (repeat a run with --seed $seed)"
mvn -B -ntp -q verify -pl cli -am -Dtest=NONE -Dsurefire.failIfNoSpecifiedTests=false \
  -Dit.test=FaultSoakIT -Dsoak.seconds="$seconds" -Dsoak.seed="$seed" -Dsoak.keep="$keep" \
  || { echo "faults: FAILED; output: cli/target/surefire-reports/io.quorumfs.cli.FaultSoakIT-output.txt" >&2; exit 1; }
grep '^fault soak:' cli/target/surefire-reports/io.quorumfs.cli.FaultSoakIT-output.txt
