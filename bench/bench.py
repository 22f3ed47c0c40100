"""
The benchmarks of optiga-perso: every row is a figure measured here and a
baseline measured (or computed from the fact sheet's model) beside it,
and the ratio of the two.  bench/run.sh builds the Release tree and calls
this; bench/README.md explains each row.

    bench.py --build DIR --source DIR --out DIR [--quick]
"""
import argparse
import datetime
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import vbus  # noqa: E402

PY = "/usr/bin/python3"
AWS = "/usr/bin/aws"

# --- the fact sheet's bus model (performance anchors, section 2) -----------

FRAME = 277			# DATA_REG_LEN
PKT = FRAME - 6			# APDU bytes per packet (DL 5 + PCTR 1)
GUARD_US = 50			# between consecutive transactions
STARTUP_MS = 15			# tSTARTUP after the host's soft reset


def model_txns(req, rsp):
    """
    Transactions of one command as the model counts them, as a list of
    byte counts after the address byte: one write per request packet, an
    ACK fetch (4 transactions) after every packet but the last, and per
    response packet an I2C_STATE poll, the DATA read and the host's ACK.
    """
    out = []
    reqp = [min(PKT, req - i) for i in range(0, req, PKT)]
    for i, p in enumerate(reqp):
        out.append(1 + 6 + p)
        if i < len(reqp) - 1:
            out += [1, 4, 1, 5]
    for i in range(0, rsp, PKT):
        r = min(PKT, rsp - i)
        out += [1, 4, 1, 6 + r, 6]
    return out


def bits(txn_bytes):
    return sum(9 * (n + 1) + 2 for n in txn_bytes)


def self_check_model():
    """The model must give the fact sheet's floor for a 1728-B slot."""
    cmds = [(13, 75), (44, 74), (1557, 4), (187, 4), (10, 1557), (10, 179)]
    t = [n for c in cmds for n in model_txns(*c)]
    assert len(t) == 86 and bits(t) == 37342, (len(t), bits(t))
    return sum(t)


# --- the emulator's chip times (sim/chip/timing.c, Trust M3, P-256) --------

def chip_ms(call):
    """
    How long optiga-sim keeps the chip busy for one command.  A copy of
    sim/chip/timing.c for the commands a P-256 personalization sends
    (keep the two in step).
    """
    name, param = call["name"], call["param"]
    if name == "OpenApplication":
        return 5.0
    if name == "GenKeyPair":
        return 52.0
    if name == "CalcSign":
        return 61.0
    if name == "GetDataObject":
        return 4 + (call["rsp_len"] - 4) * 19 / 256
    if name == "SetDataObject":
        if param == 0x01:
            return 30.0
        return 5 + (call["req_len"] - 8) * 43 / 256
    return 1.0


def model_ms(calls, khz):
    """Bus time, guard times and chip time of calls at khz."""
    t = [n for c in calls for n in model_txns(c["req_len"], c["rsp_len"])]
    bus = bits(t) / khz
    guard = len(t) * GUARD_US / 1000
    chip = sum(chip_ms(c) for c in calls)
    return bus + guard + chip, {"bus": bus, "guard": guard, "chip": chip,
                                "transactions": len(t), "bytes": sum(t)}


def floor_subset(calls):
    """
    The commands the fact sheet's floor counts: GenKeyPair, the CSR's
    CalcSign (the first after it), the writes of the certificate slot and
    the reads of it after the last write (the read-back).
    """
    keep = []
    gen = next(i for i, c in enumerate(calls) if c["name"] == "GenKeyPair")
    keep.append(gen)
    keep.append(next(i for i, c in enumerate(calls)
                     if i > gen and c["name"] == "CalcSign"))
    writes = [i for i, c in enumerate(calls)
              if c["name"] == "SetDataObject" and c["param"] in (0, 0x40)
              and c["oid"] == CERT_OID]
    keep += writes
    keep += [i for i, c in enumerate(calls)
             if i > writes[-1] and c["name"] == "GetDataObject"
             and c["param"] == 0 and c["oid"] == CERT_OID]
    return sorted(keep)


CERT_OID = "e0e1"

# --- processes ---------------------------------------------------------------


class Env:
    def __init__(self, a):
        self.build = os.path.abspath(a.build)
        self.src = os.path.abspath(a.source)
        self.out = os.path.abspath(a.out)
        self.work = os.path.join(self.out, "work")
        self.quick = a.quick
        self.perso = os.path.join(self.build, "src/cli/optiga-perso")
        self.sim = os.path.join(self.build, "sim/optiga-sim")
        self.issue = os.path.join(self.build, "bench-issue")
        self.config = os.path.join(self.src, "examples/config.json")
        self.n = 0
        self.procs = []
        self.env = dict(os.environ)
        for k in list(self.env):
            if k.startswith("AWS_") or k.startswith("OPTIGA_"):
                del self.env[k]
        self.env["PATH"] = "/usr/bin:/bin"
        # the provider's public-key cache stays inside the work dir
        self.env["OPTIGA_PUBCACHE_DIR"] = os.path.join(self.work, "pubcache")

    def fresh(self, name):
        self.n += 1
        d = os.path.join(self.work, "%02d-%s" % (self.n, name))
        os.makedirs(d)
        return d

    def start(self, argv, log, env=None):
        p = subprocess.Popen(argv, stdout=subprocess.DEVNULL,
                             stderr=open(log, "w"), env=env or self.env)
        self.procs.append(p)
        return p

    def stop(self, p):
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
            try:
                p.wait(5)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        self.procs.remove(p)

    def stop_all(self):
        for p in list(self.procs):
            self.stop(p)


def wait_socket(path, p):
    for _ in range(200):
        if os.path.exists(path):
            try:
                with socket.socket(socket.AF_UNIX) as s:
                    s.connect(path)
                return
            except OSError:
                pass
        if p.poll() is not None:
            raise RuntimeError("%s exited before %s appeared" %
                               (p.args[0], path))
        time.sleep(0.02)
    raise RuntimeError("%s did not appear" % path)


def start_sim(e, d, realtime=False):
    sock = os.path.join(d, "chip.sock")
    argv = [e.sim, "--state", os.path.join(d, "chip.state"),
            "--socket", sock]
    if realtime:
        argv.append("--realtime")
    p = e.start(argv, os.path.join(d, "sim.log"))
    wait_socket(sock, p)
    return p, sock


def start_tap(e, d, upstream, clock_khz=0, calls=None):
    """vbus.py's counting tap (calls), or bench-tap setting the clock."""
    sock = os.path.join(d, "tap.sock")
    if calls:
        argv = [PY, os.path.join(e.src, "bench/vbus.py"), "tap",
                "--listen", sock, "--upstream", upstream, "--calls", calls]
    else:
        argv = [os.path.join(e.build, "bench-tap"), sock, upstream,
                str(clock_khz)]
    p = e.start(argv, os.path.join(d, "tap.log"))
    wait_socket(sock, p)
    return p, sock


RSS = None		# bench-rss, set in main()


def timed(argv, env, cwd, log):
    """
    Run argv; its wall time in seconds and peak RSS in KiB.  The time
    includes bench-rss's own fork and exec (well under a millisecond).
    """
    rss_file = log + ".rss"
    with open(log, "w") as f:
        t0 = time.perf_counter()
        r = subprocess.run([RSS, rss_file] + argv, stdout=f,
                           stderr=subprocess.STDOUT, env=env, cwd=cwd)
        t1 = time.perf_counter()
    if r.returncode != 0:
        raise RuntimeError("%s failed (exit %d); see %s" %
                           (" ".join(argv[:3]), r.returncode, log))
    with open(rss_file) as f:
        return t1 - t0, int(f.read())


def personalize(e, d, device, extra=()):
    argv = [e.perso, "-d", "sim:" + device, "personalize", "--config",
            e.config, "--ca", os.path.join(e.work, "ca"), "--out",
            os.path.join(d, "out")] + list(extra)
    return timed(argv, e.env, d, os.path.join(d, "perso.log"))


# --- rows ---------------------------------------------------------------------

ROWS = []


def row(name, measured, baseline, unit, note):
    ROWS.append({"row": name, "measured": measured, "baseline": baseline,
                 "unit": unit, "ratio": measured / baseline,
                 "note": note})


def bench_i2c(e):
    """One personalization through the tap: traffic per command."""
    d = e.fresh("i2c")
    sim, sock = start_sim(e, d)
    calls_path = os.path.join(d, "calls.json")
    tap, tsock = start_tap(e, d, sock, calls=calls_path)
    personalize(e, d, tsock, ["--no-aws"])
    e.stop(tap)
    total = vbus.stats(sock)
    e.stop(sim)
    calls = json.load(open(calls_path))

    sub = floor_subset(calls)
    subset = [calls[i] for i in sub]
    m_t = [n for c in subset
           for n in model_txns(c["req_len"], c["rsp_len"])]
    meas_txn = sum(c["transactions"] for c in subset)
    meas_bytes = sum(c["bytes"] for c in subset)
    cert = next(c for c in subset if c["name"] == "SetDataObject")
    what = "%d-B cert" % (cert["req_len"] - 8)
    row("I2C transactions, floor's 6 commands", meas_txn, len(m_t), "",
        "baseline: sec. 2 model for the same APDUs (%s; 1728-B floor: 86)"
        % what)
    row("I2C bytes, floor's 6 commands", meas_bytes, sum(m_t), "B",
        "bytes after the address byte; 1728-B floor: %d" %
        self_check_model())
    extra = [c for i, c in enumerate(calls) if i not in sub]
    row("I2C transactions, whole run", total["total"]["transactions"],
        len(m_t), "", "%d extra commands, link %d (see calls.json)" %
        (len(extra), total["link"]["transactions"]))
    row("I2C bytes, whole run", total["total"]["bytes"], sum(m_t), "B",
        "extras: " + ", ".join(describe(c) for c in extra))
    csr = next(os.path.join(r, f) for r, _, fs in os.walk(d)
               for f in fs if f == "csr.pem")
    return calls, sub, total, csr


def describe(c):
    s = c["name"]
    if c["oid"] and c["name"] in ("GetDataObject", "SetDataObject"):
        s += " " + c["oid"].upper()
        if c["param"] == 1:
            s += " meta"
    if c["name"] == "GetDataObject" and c["rsp_len"] > 100:
        s += " (%d B)" % (c["rsp_len"] - 4)
    return s


def bench_realtime(e, calls, sub):
    """Wall time of personalize --no-aws with the emulator in real time."""
    n = 3 if e.quick else 7
    configs = (("400 kHz", 400, False), ("1 MHz", 1000, True),
               ("400 kHz, tapped", 400, True))
    res = {c[0]: {"ms": [], "rss": [], "txns": []} for c in configs}
    subset = [calls[i] for i in sub]
    # interleaved, so that a busy machine slows every config alike
    for i in range(n + 1):
        for label, khz, tapped in configs:
            d = e.fresh("rt%d" % khz)
            sim, sock = start_sim(e, d, realtime=True)
            dev = sock
            tap = None
            if tapped:
                tap, dev = start_tap(e, d, sock, clock_khz=khz)
            t, r = personalize(e, d, dev, ["--no-aws"])
            st = vbus.stats(dev)
            if tap:
                e.stop(tap)
            e.stop(sim)
            if i == 0:
                continue	# a warm-up round: page cache, first CA open
            res[label]["ms"].append(t * 1000)
            res[label]["rss"].append(r)
            res[label]["txns"].append(st["total"]["transactions"])

    for label, khz in (("400 kHz", 400), ("1 MHz", 1000)):
        med = statistics.median(res[label]["ms"])
        floor, parts = model_ms(subset, khz)
        whole, wparts = model_ms(calls, khz)
        whole += STARTUP_MS
        note = ("floor: bus %.1f + guard %.1f + chip %.1f ms; aim <= 1.15; "
                "all %d commands sent + start-up would take %.0f ms" %
                (parts["bus"], parts["guard"], parts["chip"], len(calls),
                 whole))
        if label == "1 MHz":
            tap400 = statistics.median(res["400 kHz, tapped"]["ms"])
            med400 = statistics.median(res["400 kHz"]["ms"])
            note += ("; via the tap (CLOCK 400 -> 1000), which costs "
                     "%+.0f ms at 400 kHz" % (tap400 - med400))
        row("wall time, real time, %s" % label, med, floor, "ms", note)
        res[label]["floor_ms"] = floor
        res[label]["whole_model_ms"] = whole
    row("wall time, real time, 400 kHz, vs commands sent",
        statistics.median(res["400 kHz"]["ms"]),
        res["400 kHz"]["whole_model_ms"], "ms",
        "host overhead: baseline is the model (bus, guard, chip) of all "
        "%d commands the tool sends, plus %d ms start-up after its reset"
        % (len(calls), STARTUP_MS))
    row("I2C transactions, real time 400 kHz",
        statistics.median(res["400 kHz"]["txns"]),
        len([n for c in subset
             for n in model_txns(c["req_len"], c["rsp_len"])]), "",
        "whole run incl. I2C_STATE polls while the chip works")
    return res


def openssl_x509(e, d, csr, out, serial):
    ca = os.path.join(e.work, "ca")
    return ["openssl", "x509", "-req", "-in", csr, "-CA",
            os.path.join(ca, "cacert.pem"), "-CAkey",
            os.path.join(ca, "private/cakey.pem"), "-CAcreateserial",
            "-CAserial", serial, "-days", "3650", "-sha256", "-out", out]


def bench_issue(e, csr, rt):
    d = e.fresh("issue")
    ca = os.path.join(d, "ca")
    shutil.copytree(os.path.join(e.work, "ca"), ca)
    n_in = 300 if e.quick else 1000
    n_out = 30 if e.quick else 100
    r = subprocess.run([e.issue, ca, csr, str(n_in)], capture_output=True,
                       text=True, env=e.env)
    if r.returncode != 0:
        raise RuntimeError("bench-issue: " + r.stderr)
    per_s_in = n_in / json.loads(r.stdout)["seconds"]
    serial = os.path.join(d, "x509.srl")
    rss = 0
    t0 = time.perf_counter()
    for i in range(n_out):
        _, m = timed(openssl_x509(e, d, csr, os.path.join(d, "c%d.pem" % i),
                                  serial), e.env, d,
                     os.path.join(d, "x509.log"))
        rss = max(rss, m)
    per_s_out = n_out / (time.perf_counter() - t0)
    row("certificates issued per second", per_s_in, per_s_out, "/s",
        "ca_sign_csr in one process (%d, with index.txt + newcerts/, "
        "fsync) vs %d `openssl x509 -req` processes; higher is better"
        % (n_in, n_out))
    return rss


def start_iot(e, d):
    port_file = os.path.join(d, "iot.port")
    key, secret = "AKIAIOTLOCALTEST0001", "iotlocal/Bench+Secret/000000000000"
    p = e.start([PY, os.path.join(e.src, "tests/iot-local/iot-local"),
                 "--port", "0", "--port-file", port_file, "--state",
                 os.path.join(d, "iot.json"), "--access-key", key,
                 "--secret-key", secret, "--log",
                 os.path.join(d, "iot-requests.log")],
                os.path.join(d, "iot.err"))
    for _ in range(200):
        if os.path.exists(port_file) and os.path.getsize(port_file) > 0:
            break
        if p.poll() is not None:
            raise RuntimeError("iot-local exited; see %s/iot.err" % d)
        time.sleep(0.02)
    url = "http://127.0.0.1:%s" % open(port_file).read().strip()
    env = dict(e.env)
    env.update({"AWS_ACCESS_KEY_ID": key, "AWS_SECRET_ACCESS_KEY": secret,
                "AWS_DEFAULT_REGION": "us-east-1", "AWS_PAGER": "",
                "AWS_MAX_ATTEMPTS": "1", "AWS_EC2_METADATA_DISABLED": "true",
                "AWS_CONFIG_FILE": os.path.join(d, "aws-config"),
                "AWS_SHARED_CREDENTIALS_FILE":
                os.path.join(d, "aws-credentials")})
    return p, url, env


def count_lines(path):
    try:
        with open(path) as f:
            return sum(1 for _ in f)
    except OSError:
        return 0


def bench_flow(e):
    """personalize (with AWS) against the tutorial's sequence."""
    n = 2 if e.quick else 3
    tool, tut, tool_rss, tut_rss = [], [], [], []
    tut_req, tool_req = [], []
    ca = os.path.join(e.work, "ca")
    for _ in range(n):
        # optiga-perso: fresh chip (no real-time), fresh endpoint
        d = e.fresh("flow-tool")
        iot, url, env = start_iot(e, d)
        sim, sock = start_sim(e, d)
        argv = [e.perso, "-d", "sim:" + sock, "personalize", "--config",
                e.config, "--ca", ca, "--out", os.path.join(d, "out"),
                "--endpoint-url", url]
        t, r = timed(argv, env, d, os.path.join(d, "perso.log"))
        tool.append(t)
        tool_rss.append(r)
        e.stop(sim)
        e.stop(iot)
        tool_req.append(count_lines(os.path.join(d, "iot-requests.log")))

        # the tutorial's commands, same endpoint kind, same CA
        d = e.fresh("flow-tutorial")
        iot, url, env = start_iot(e, d)
        env.update({"TUT_DIR": d, "TUT_URL": url,
                    "TUT_CA_CERT": os.path.join(ca, "cacert.pem"),
                    "TUT_CA_KEY": os.path.join(ca, "private/cakey.pem"),
                    "TUT_SUBJ": "/C=DE/ST=Bayern/O=Example Devices GmbH/"
                    "CN=sensor-0001",
                    "TUT_THING": "sensor-0001",
                    "TUT_POLICY": "sensor-policy"})
        t, r = timed(["/bin/sh", os.path.join(e.src, "bench/tutorial.sh")],
                     env, d, os.path.join(d, "tutorial.log"))
        tut.append(t)
        tut_rss.append(r)
        e.stop(iot)
        tut_req.append(count_lines(os.path.join(d, "iot-requests.log")))
    row("whole flow incl. AWS", statistics.median(tool),
        statistics.median(tut), "s",
        "personalize (emulator not real time) vs bench/tutorial.sh "
        "(%d openssl + 8 aws CLI processes); HTTP requests %d vs %d"
        % (7, statistics.median(tool_req), statistics.median(tut_req)))
    return {"tool_s": tool, "tutorial_s": tut, "tool_rss": tool_rss,
            "tutorial_rss": tut_rss,
            "tool_requests": tool_req, "tutorial_requests": tut_req}


# --- output -------------------------------------------------------------------

def fmt(v):
    if v >= 100:
        return "%.0f" % v
    if v >= 10:
        return "%.1f" % v
    return "%.2f" % v


def table():
    lines = ["| row | measured | baseline | ratio | note |",
             "|---|---:|---:|---:|---|"]
    for r in ROWS:
        u = (" " + r["unit"]) if r["unit"] else ""
        lines.append("| %s | %s%s | %s%s | %.2f | %s |" % (
            r["row"], fmt(r["measured"]), u, fmt(r["baseline"]), u,
            r["ratio"], r["note"]))
    return "\n".join(lines)


def machine():
    cpu = "?"
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    ossl = subprocess.run(["openssl", "version"], capture_output=True,
                          text=True).stdout.strip()
    return "%d x %s, %s" % (os.cpu_count() or 0, cpu, ossl)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", required=True)
    ap.add_argument("--source", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--quick", action="store_true",
                    help="fewer repetitions")
    e = Env(ap.parse_args())
    global RSS
    RSS = os.path.join(e.build, "bench-rss")
    self_check_model()
    if os.path.exists(e.work):
        shutil.rmtree(e.work)
    os.makedirs(e.work)
    t0 = time.time()
    try:
        subprocess.run([e.perso, "ca", "init", os.path.join(e.work, "ca"),
                        "--subject", "/C=DE/O=Bench/CN=Bench Root CA"],
                       check=True, stdout=subprocess.DEVNULL, env=e.env)
        calls, sub, total, csr = bench_i2c(e)
        rt = bench_realtime(e, calls, sub)
        x509_rss = bench_issue(e, csr, rt)
        flow = bench_flow(e)
        row("peak memory of personalize", max(rt["400 kHz"]["rss"]) / 1024,
            x509_rss / 1024, "MiB",
            "ru_maxrss, --no-aws, vs one `openssl x509 -req`; with AWS "
            "%.1f MiB; the tutorial's largest process (aws CLI) %.1f MiB"
            % (max(flow["tool_rss"]) / 1024,
               max(flow["tutorial_rss"]) / 1024))
    finally:
        e.stop_all()

    stamp = datetime.datetime.now().strftime("%Y-%m-%dT%H%M%S")
    head = "optiga-perso benchmarks, %s, %s (%.0f s)" % (
        stamp, machine(), time.time() - t0)
    text = head + "\n\n" + table() + "\n"
    print(text)
    with open(os.path.join(e.out, "latest.md"), "w") as f:
        f.write(text)
    with open(os.path.join(e.out, stamp + ".md"), "w") as f:
        f.write(text)
    with open(os.path.join(e.out, stamp + ".json"), "w") as f:
        json.dump({"head": head, "rows": ROWS, "calls": calls,
                   "floor_subset": sub, "stats": total, "realtime": rt,
                   "flow": flow}, f, indent=1)
    shutil.copy(os.path.join(e.out, stamp + ".json"),
                os.path.join(e.out, "latest.json"))


if __name__ == "__main__":
    main()
