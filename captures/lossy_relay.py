#!/usr/bin/env python3
"""A lossy path between two network namespaces, for captures/record-lossy.sh.

Opens one TUN device inside each namespace (IFF_TUN | IFF_NO_PI: raw IP packets, no header) and
forwards every IP packet read from one to the other, impaired by a seeded random generator the way
netem would impair it:
  - drop: each packet is lost with probability --loss;
  - delay: every forwarded packet leaves --delay ms after it arrived;
  - reorder: a packet is held back with probability --reorder, and leaves right after the next
    packet of the same direction (or after --hold ms if none comes), so it arrives late.
Bounded: stops after --seconds or --max-packets, or on SIGTERM/SIGINT; prints a summary to stderr.
Only standard library (ctypes for setns(2), which os.setns gives only from Python 3.12).

Usage: lossy_relay.py NS_A TUN_A NS_B TUN_B [--seed N] [--loss P] [--reorder P] [--delay MS] ...
"""
import argparse, ctypes, fcntl, heapq, os, random, select, signal, struct, sys, time

TUNSETIFF = 0x400454CA
IFF_TUN = 0x0001
IFF_NO_PI = 0x1000
CLONE_NEWNET = 0x40000000

libc = ctypes.CDLL(None, use_errno=True)


def setns(path):
    fd = os.open(path, os.O_RDONLY)
    try:
        if libc.setns(fd, CLONE_NEWNET) != 0:
            e = ctypes.get_errno()
            raise OSError(e, f"setns {path}: {os.strerror(e)}")
    finally:
        os.close(fd)


def open_tun(ns, name):
    """Creates TUN device `name` inside namespace `ns`; the fd keeps working from any namespace."""
    home = os.open("/proc/self/ns/net", os.O_RDONLY)
    try:
        setns(f"/run/netns/{ns}")
        fd = os.open("/dev/net/tun", os.O_RDWR | os.O_NONBLOCK)
        fcntl.ioctl(fd, TUNSETIFF, struct.pack("16sH", name.encode(), IFF_TUN | IFF_NO_PI))
    finally:
        if libc.setns(home, CLONE_NEWNET) != 0:
            raise OSError(ctypes.get_errno(), "setns back home")
        os.close(home)
    return fd


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("ns_a")
    ap.add_argument("tun_a")
    ap.add_argument("ns_b")
    ap.add_argument("tun_b")
    ap.add_argument("--seed", type=int, default=15)
    ap.add_argument("--loss", type=float, default=0.05)
    ap.add_argument("--reorder", type=float, default=0.20)
    ap.add_argument("--delay", type=float, default=5.0, help="ms")
    ap.add_argument("--hold", type=float, default=10.0, help="ms a held-back packet waits at most")
    ap.add_argument("--seconds", type=float, default=120.0)
    ap.add_argument("--max-packets", type=int, default=20000)
    ap.add_argument("--ready", help="file created once both devices exist")
    a = ap.parse_args()

    rng = random.Random(a.seed)
    fd_a = open_tun(a.ns_a, a.tun_a)
    fd_b = open_tun(a.ns_b, a.tun_b)
    if a.ready:
        open(a.ready, "w").close()
    peer = {fd_a: fd_b, fd_b: fd_a}
    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    signal.signal(signal.SIGINT, lambda *_: stop.append(1))

    queue = []  # normal packets: (release time, arrival order, out fd, packet)
    held = {fd_a: [], fd_b: []}  # held back per output: (arrival order, latest release, packet)
    order = 0
    stats = {"in": 0, "dropped": 0, "held": 0, "sent": 0}
    deadline = time.monotonic() + a.seconds

    def send(fd, pkt):
        try:
            os.write(fd, pkt)
            stats["sent"] += 1
        except OSError:
            pass  # a device going away at the end

    while not stop and time.monotonic() < deadline and stats["in"] < a.max_packets:
        now = time.monotonic()
        due = [q[0][0] for q in [queue] if q] + [h[0][1] for h in held.values() if h]
        timeout = min([0.05] + [max(0.0, t - now) for t in due])
        try:
            ready, _, _ = select.select([fd_a, fd_b], [], [], timeout)
        except InterruptedError:
            continue
        now = time.monotonic()
        for fd in ready:
            while True:
                try:
                    pkt = os.read(fd, 65536)
                except OSError:  # EAGAIN: drained
                    break
                stats["in"] += 1
                order += 1
                if rng.random() < a.loss:
                    stats["dropped"] += 1
                    continue
                out = peer[fd]
                if rng.random() < a.reorder:
                    stats["held"] += 1
                    held[out].append((order, now + (a.delay + a.hold) / 1000, pkt))
                else:
                    heapq.heappush(queue, (now + a.delay / 1000, order, out, pkt))
        now = time.monotonic()
        while queue and queue[0][0] <= now:
            _, o, out, pkt = heapq.heappop(queue)
            send(out, pkt)
            # Packets held back in this direction that arrived before this one leave behind it.
            late = [h for h in held[out] if h[0] < o]
            held[out] = [h for h in held[out] if h[0] > o]
            for h in late:
                send(out, h[2])
        for out, hs in held.items():
            while hs and hs[0][1] <= now:  # no later packet came in time
                send(out, hs.pop(0)[2])
    print(f"lossy_relay: {stats}", file=sys.stderr)


if __name__ == "__main__":
    main()
