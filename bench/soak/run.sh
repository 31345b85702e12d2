#!/usr/bin/env bash
# Soak of the main job: `quorumfs up` on a fresh data dir with its default settings, driven through
# its FUSE mount the way a user drives it, with the process's memory sampled all along.
#
#   bench/soak/run.sh [--gib N] [--small N] [--meta N] [--writers N] [--work DIR] [-- UP-ARGS...]
#
# Phases (each checked; the run stops at the first mismatch with a non-zero exit):
#   meta   N empty files created in one directory, `ls -f` counts N + 2, every one stat'ed
#   write  N GiB written with `dd conv=fsync` from a reproducible pseudo-random stream (AES-CTR of
#          zeros with a fixed key), then the page cache is dropped and `cmp` reads it back
#   small  N small files (1 B .. 16 KiB, content derived from the name) in 100 directories by
#          W parallel writers, each closed, then all read back and compared
# Memory: every 2 s the up JVM's RSS (VmRSS) and Java heap in use (jstat: survivor + eden + old)
# go to WORK/memory.csv; at the start, before and after the write phase and at the end a full GC
# is forced (jcmd GC.run) and the heap in use after it is recorded; the run fails if the heap
# after the write is more than 100 MiB above its level before it, or the peak RSS above 2 GiB. The summary at the end is a Markdown table for
# docs/BENCHMARKS.md. Anything after `--` is passed to `quorumfs up` (e.g. `--config FILE` for a
# write-back mount).
set -euo pipefail
cd "$(dirname "$0")/../.."

gib=10 small=100000 meta=5000 writers=8 work=/tmp/quorumfs-soak
up_args=()
while (($#)); do
  case $1 in
    --gib) gib=$2; shift 2 ;;
    --small) small=$2; shift 2 ;;
    --meta) meta=$2; shift 2 ;;
    --writers) writers=$2; shift 2 ;;
    --work) work=$2; shift 2 ;;
    --) shift; up_args=("$@"); break ;;
    *) echo "soak: unknown argument $1 (see the comment at the top of $0)" >&2; exit 2 ;;
  esac
done
for tool in openssl python3 jstat jcmd cmp fusermount; do
  command -v $tool >/dev/null || {
    echo "soak: $tool is missing; as root: apt-get install -y --no-install-recommends openssl python3 fuse" >&2
    exit 2
  }
done

mnt=$work/mnt data=$work/data log=$work/up.log csv=$work/memory.csv
if mountpoint -q "$mnt" 2>/dev/null; then fusermount -u "$mnt"; fi
rm -rf "$work" && mkdir -p "$mnt" "$data"

bin/quorumfs up "$mnt" --data-dir "$data" "${up_args[@]}" >"$log" 2>&1 &
launcher=$!
pid=
cleanup() {
  [[ -n ${sampler:-} ]] && kill "$sampler" 2>/dev/null || true
  if [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null; then
    kill -INT "$pid"
    for _ in $(seq 1 120); do kill -0 "$pid" 2>/dev/null || break; sleep 1; done
  fi
  if mountpoint -q "$mnt"; then fusermount -u "$mnt" || true; fi
  wait "$launcher" 2>/dev/null || true
}
trap cleanup EXIT

deadline=$((SECONDS + 300))
until grep -q '^READY' "$log"; do
  if ((SECONDS > deadline)) || ! kill -0 "$launcher" 2>/dev/null; then
    echo "soak: quorumfs up did not become ready; its log:" >&2; tail -30 "$log" >&2; exit 1
  fi
  sleep 1
done
pid=$(sed -n 's/.*or kill \([0-9]*\) (SIGTERM.*/\1/p' "$log" | head -1)
[[ -n $pid ]] || { echo "soak: no PID in $log" >&2; exit 1; }

phase=start
heap_kib() { jstat -gc "$1" | awk 'NR == 2 { printf "%d\n", $3 + $4 + $6 + $8 }'; }
rss_kib() { awk '/^VmRSS/ { print $2 }' "/proc/$1/status"; }
hwm_kib() { awk '/^VmHWM/ { print $2 }' "/proc/$1/status"; }
settled_heap_mib() { jcmd "$pid" GC.run >/dev/null; echo $(($(heap_kib "$pid") / 1024)); }

echo "seconds,phase,rss_kib,heap_used_kib" >"$csv"
t0=$SECONDS
(
  while kill -0 "$pid" 2>/dev/null; do
    p=$(cat "$work/phase" 2>/dev/null || echo start)
    echo "$((SECONDS - t0)),$p,$(rss_kib "$pid"),$(heap_kib "$pid")" >>"$csv"
    sleep 2
  done
) &
sampler=$!
set_phase() { phase=$1; echo "$1" >"$work/phase"; }

rows=()
row() { rows+=("| $1 | $2 | $3 | $(awk -F, -v p="$1" '$2 == p && $3 > m { m = $3 } END { printf "%d", m / 1024 }' "$csv") MiB |"); }
rate() { awk -v n="$1" -v s="$2" 'BEGIN { printf "%.1f", n / (s > 0 ? s : 1) }'; }

heap_start=$(settled_heap_mib)

# meta: N creates in one directory, listed and stat'ed.
set_phase meta
s=$SECONDS
mkdir "$mnt/meta"
python3 - "$mnt/meta" "$meta" <<'EOF'
import os, sys
d, n = sys.argv[1], int(sys.argv[2])
for i in range(n):
    os.close(os.open(os.path.join(d, "f%07d" % i), os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644))
EOF
listed=$(ls -f "$mnt/meta" | wc -l)
[[ $listed -eq $((meta + 2)) ]] || { echo "soak: ls -f listed $listed entries, expected $((meta + 2))" >&2; exit 1; }
find "$mnt/meta" -type f -printf '%s\n' | awk -v n="$meta" '{ c++; s += $1 } END { if (c != n || s != 0) { print "soak: stat saw " c " files, " s " bytes" > "/dev/stderr"; exit 1 } }'
row meta "$meta files" "$(rate "$meta" $((SECONDS - s))) creates/s"

# write: N GiB, fsynced, read back after dropping the page cache.
# (openssl ends on SIGPIPE when head has enough: not a failure)
stream() {
  { openssl enc -aes-128-ctr -nosalt -K 000102030405060708090a0b0c0d0e0f -iv 0 </dev/zero 2>/dev/null || true; } |
    head -c $((gib << 30))
}
heap_before_write=$(settled_heap_mib)
set_phase write
s=$SECONDS
stream | dd of="$mnt/big" bs=1M iflag=fullblock conv=fsync status=none
w=$((SECONDS - s))
heap_after_write=$(settled_heap_mib)
row write "$gib GiB" "$(rate $((gib * 1024)) "$w") MiB/s"
set_phase read
sync; echo 3 >/proc/sys/vm/drop_caches
s=$SECONDS
cmp <(stream) "$mnt/big" || { echo "soak: $mnt/big differs from what was written" >&2; exit 1; }
row read "$gib GiB, cmp equal" "$(rate $((gib * 1024)) $((SECONDS - s))) MiB/s"

# small: N files in 100 directories by W writers, then read back.
cat >"$work/small.py" <<'EOF'
import hashlib, os, sys
from concurrent.futures import ProcessPoolExecutor
root, n, w, mode = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
def content(i):
    h = hashlib.sha256(b"%d" % i).digest()
    size = 1 + int.from_bytes(h[:2], "big") % 16384
    return (h * (size // 32 + 1))[:size]
def path(i):
    return os.path.join(root, "d%02d" % (i % 100), "s%07d" % i)
def work(k):
    bad = 0
    for i in range(k, n, w):
        if mode == "write":
            with open(path(i), "xb") as f:
                f.write(content(i))
        else:
            with open(path(i), "rb") as f:
                if f.read() != content(i):
                    print("soak: %s differs" % path(i), file=sys.stderr)
                    bad += 1
    return bad
if mode == "write":
    for d in range(100):
        os.makedirs(os.path.join(root, "d%02d" % d), exist_ok=True)
with ProcessPoolExecutor(w) as ex:
    sys.exit(1 if sum(ex.map(work, range(w))) else 0)
EOF
set_phase small-write
s=$SECONDS
python3 "$work/small.py" "$mnt/small" "$small" "$writers" write
row small-write "$small files" "$(rate "$small" $((SECONDS - s))) files/s"
set_phase small-read
sync; echo 3 >/proc/sys/vm/drop_caches
s=$SECONDS
python3 "$work/small.py" "$mnt/small" "$small" "$writers" read || { echo "soak: small files differ" >&2; exit 1; }
row small-read "$small files, all equal" "$(rate "$small" $((SECONDS - s))) files/s"
heap_end=$(settled_heap_mib)
set_phase end

peak=$(($(hwm_kib "$pid") / 1024))
echo
echo "quorumfs up soak, $(date -u '+%Y-%m-%d %H:%M UTC'), $(git rev-parse --short HEAD 2>/dev/null || echo "no git"), $(nproc) cores," \
  "load $(cut -d' ' -f1-3 /proc/loadavg); up args: ${up_args[*]:-(defaults)}"
echo
echo "| phase | size | rate | peak RSS in phase |"
echo "|---|---|---|---|"
printf '%s\n' "${rows[@]}"
echo
echo "Java heap in use after a full GC: start $heap_start MiB, before the write $heap_before_write MiB," \
  "after it $heap_after_write MiB, end $heap_end MiB; peak RSS (VmHWM) $peak MiB. Samples: $csv"
fail=0
if ((heap_after_write - heap_before_write > 100)); then
  echo "soak: FAIL: the heap after the write is $((heap_after_write - heap_before_write)) MiB above its level before it (bound 100)"; fail=1
fi
if ((peak > 2048)); then echo "soak: FAIL: peak RSS $peak MiB is above 2 GiB"; fail=1; fi
exit $fail
