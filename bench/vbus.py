"""
The virtual bus of optiga-sim (docs/virtual-bus.md), for the benchmarks:
a client for STATS, and a tap that sits between optiga-perso and the
simulator.

The tap forwards every request unchanged and splits the traffic per chip
command: after every WRITE or READ it asks the simulator for STATS on the
same connection and notes which command's count went up, so each
executed command gets its own transactions and bytes (STATS itself only
has totals per command name).  It is slow (Python, an extra STATS per
transaction): use it for counting, never in a timed run (bench/tap.c is
the fast pass-through for those).  The APDU header of each command is taken
from the first packet the host writes, and the response length from the
first packet it reads, so a command can be told apart from another of
the same name (a read-back of the certificate slot from a metadata read).

Run as a script: vbus.py tap --listen PATH --upstream PATH --calls FILE,
or vbus.py stats SOCKET.
"""
import argparse
import json
import os
import signal
import socket
import sys

T_WRITE, T_READ, T_STATS, T_STATS_RESET = 0x01, 0x02, 0x20, 0x21
REG_DATA = 0x80


def recv_exact(sock, n):
    buf = bytearray()
    while len(buf) < n:
        chunk = sock.recv(n - len(buf))
        if not chunk:
            return None
        buf += chunk
    return bytes(buf)


def request(sock, typ, payload=b"", addr=0):
    """One request, its (status, payload)."""
    sock.sendall(bytes([typ, addr]) + len(payload).to_bytes(2, "big") +
                 payload)
    hdr = recv_exact(sock, 3)
    if hdr is None:
        raise OSError("optiga-sim closed the connection")
    body = recv_exact(sock, int.from_bytes(hdr[1:3], "big"))
    return hdr[0], body


def connect(path):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(path)
    return s


def stats(path):
    """STATS of the simulator on path, as a dict (one short connection)."""
    with connect(path) as s:
        st, body = request(s, T_STATS)
    if st != 0:
        raise OSError("STATS answered status 0x%02x" % st)
    return json.loads(body)


def stats_reset(path):
    with connect(path) as s:
        request(s, T_STATS_RESET)


class Splitter:
    """Turns the stream of transactions into one record per command."""

    def __init__(self, up):
        self.up = up
        self.prev = {}
        self.reg = None
        self.apdu = None
        self.rsp_len = None
        self.calls = []

    def _stats(self):
        st, body = request(self.up, T_STATS)
        return json.loads(body)["commands"] if st == 0 else {}

    def write(self, payload):
        if len(payload) == 1:
            self.reg = payload[0]
            return
        if payload[0] != REG_DATA or len(payload) < 6:
            return
        frame = payload[1:]
        # a data frame (FCTR bit 7 clear) whose packet is single or first
        if frame[0] & 0x80 or frame[3] & 0x07 not in (0, 1):
            return
        apdu = frame[5:] if frame[3] & 0x08 else frame[4:]
        if len(apdu) >= 4:
            self.apdu = apdu[:8]
            self.rsp_len = None

    def read(self, body):
        if self.reg != REG_DATA or len(body) < 8 or body[0] & 0x80:
            return
        if body[3] & 0x07 in (0, 1) and self.rsp_len is None:
            apdu = body[5:] if body[3] & 0x08 else body[4:]
            if len(apdu) >= 4:
                self.rsp_len = 4 + int.from_bytes(apdu[2:4], "big")

    def after(self):
        now = self._stats()
        for name, c in now.items():
            p = self.prev.get(name, {"count": 0, "transactions": 0,
                                     "bytes": 0})
            if c["count"] > p["count"]:
                a = self.apdu or b""
                self.calls.append({
                    "name": name,
                    "cmd": a[0] if len(a) > 0 else None,
                    "param": a[1] if len(a) > 1 else None,
                    "req_len": 4 + int.from_bytes(a[2:4], "big")
                    if len(a) >= 4 else None,
                    "oid": a[4:6].hex() if len(a) >= 6 else None,
                    "rsp_len": self.rsp_len,
                    "transactions": c["transactions"] - p["transactions"],
                    "bytes": c["bytes"] - p["bytes"],
                })
                self.apdu = None
        self.prev = now


def tap(listen, upstream, calls_path):
    up = connect(upstream)
    request(up, T_STATS_RESET)
    split = Splitter(up)
    if os.path.exists(listen):
        os.unlink(listen)
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.bind(listen)
    srv.listen(1)

    def stop(_sig, _frm):
        with open(calls_path, "w") as f:
            json.dump(split.calls, f, indent=1)
        os.unlink(listen)
        sys.exit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    while True:
        cli, _ = srv.accept()
        with cli:
            serve(cli, up, split)


def serve(cli, up, split):
    while True:
        hdr = recv_exact(cli, 4)
        if hdr is None:
            return
        payload = recv_exact(cli, int.from_bytes(hdr[2:4], "big"))
        if payload is None:
            return
        typ = hdr[0]
        up.sendall(hdr + payload)
        rh = recv_exact(up, 3)
        body = recv_exact(up, int.from_bytes(rh[1:3], "big"))
        cli.sendall(rh + body)
        if typ not in (T_WRITE, T_READ):
            continue
        if rh[0] == 0 and typ == T_WRITE:
            split.write(payload)
        elif rh[0] == 0:
            split.read(body)
        split.after()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    t = sub.add_parser("tap")
    t.add_argument("--listen", required=True)
    t.add_argument("--upstream", required=True)
    t.add_argument("--calls", required=True, help="write one record per "
                   "command here (JSON) when stopped")
    s = sub.add_parser("stats")
    s.add_argument("socket")
    a = ap.parse_args()
    if a.cmd == "tap":
        tap(a.listen, a.upstream, a.calls)
    else:
        print(json.dumps(stats(a.socket), indent=1))


if __name__ == "__main__":
    main()
