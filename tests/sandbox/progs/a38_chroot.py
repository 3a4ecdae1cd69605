# A38 (Python, DOMjudge test-chroot-escape.py idea).
import os
import sys

esc = []
st = os.stat('/')
sys.stderr.write('ROOT %d:%d\n' % (st.st_dev, st.st_ino))
try:
    p1 = os.stat('/proc/1/root/.')
    sys.stderr.write('PROC1ROOT %d:%d\n' % (p1.st_dev, p1.st_ino))
    if (p1.st_dev, p1.st_ino) != (st.st_dev, st.st_ino):
        esc.append('/proc/1/root differs from /')
except OSError as e:
    sys.stderr.write('stat /proc/1/root: %s\n' % e)
try:
    os.chroot('/proc/1/root')
    esc.append('chroot /proc/1/root succeeded')
except OSError as e:
    sys.stderr.write('chroot: %s\n' % e)
if esc:
    for e in esc:
        print('ESCAPED:' + e)
    sys.exit(42)
print('BLOCKED')
