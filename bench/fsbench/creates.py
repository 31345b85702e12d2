#!/usr/bin/env python3
# Creates N empty files in a new directory through a mount (open O_CREAT|O_EXCL + close), then
# fsyncs the directory; prints creates/s. Usage: creates.py DIR N
import os, sys, time
d = sys.argv[1]; n = int(sys.argv[2])
os.makedirs(d)
t = time.perf_counter()
for i in range(n):
    fd = os.open(os.path.join(d, "f%06d" % i), os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
    os.close(fd)
dt = time.perf_counter() - t
fd = os.open(d, os.O_RDONLY); os.fsync(fd); os.close(fd)
dt2 = time.perf_counter() - t
print("%d creates: %.0f/s (%.2f s); with fsyncdir %.0f/s" % (n, n / dt, dt, n / dt2))
