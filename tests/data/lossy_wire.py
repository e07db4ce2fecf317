# A user-space "wire" between two network namespaces (tun devices tunA, tunB), dropping and
# delaying packets as netem would (netem is not in every kernel): loss, reordering (a packet held
# back 12 ms so the next ones overtake it), delay. Used by record_loss.sh. Bounded: exits after
# SECONDS. Usage: lossy_wire.py SECONDS LOSS REORDER DELAY SEED READY_FILE
import ctypes, fcntl, os, random, select, struct, subprocess, sys, time
libc = ctypes.CDLL("libc.so.6", use_errno=True)
CLONE_NEWNET = 0x40000000
TUNSETIFF = 0x400454ca
IFF_TUN, IFF_NO_PI = 0x0001, 0x1000
seconds = float(sys.argv[1]); loss = float(sys.argv[2]); reorder = float(sys.argv[3]); delay = float(sys.argv[4])
random.seed(int(sys.argv[5]))
orig = os.open("/proc/self/ns/net", os.O_RDONLY)
def tun_in(ns, name):
    fd = os.open(f"/run/netns/{ns}", os.O_RDONLY)
    assert libc.setns(fd, CLONE_NEWNET) == 0, ctypes.get_errno()
    t = os.open("/dev/net/tun", os.O_RDWR)
    fcntl.ioctl(t, TUNSETIFF, struct.pack("16sH", name.encode(), IFF_TUN | IFF_NO_PI))
    libc.setns(orig, CLONE_NEWNET)
    return t
a = tun_in("wsA", "tunA"); b = tun_in("wsB", "tunB")
for ns, dev, ip in (("wsA", "tunA", "10.15.0.1"), ("wsB", "tunB", "10.15.0.2")):
    subprocess.check_call(["ip", "netns", "exec", ns, "ip", "addr", "add", ip + "/24", "dev", dev])
    subprocess.check_call(["ip", "netns", "exec", ns, "ip", "link", "set", dev, "up", "mtu", "1500"])
    subprocess.check_call(["ip", "netns", "exec", ns, "ip", "link", "set", "lo", "up"])
open(sys.argv[6], "w").write("1")
queue = []  # (due, seq, fd, packet)
n = 0
end = time.time() + seconds
while time.time() < end:
    now = time.time()
    queue.sort()
    while queue and queue[0][0] <= now:
        _, _, fd, p = queue.pop(0)
        os.write(fd, p)
    timeout = max(0.0, min([q[0] for q in queue] + [now + 0.05]) - now)
    r, _, _ = select.select([a, b], [], [], timeout)
    for src in r:
        p = os.read(src, 65536)
        dst = b if src == a else a
        if random.random() < loss:
            continue
        # Reordered: held back long enough for the next packets to overtake it.
        extra = 0.012 if random.random() < reorder else 0.0
        n += 1
        queue.append((time.time() + delay + extra, n, dst, p))
