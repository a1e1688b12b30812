#!/usr/bin/env python3
"""Starts and stops the local AWS stand-ins that ddbcrypt's integration tests talk to.

    standins.py run [--timeout S] -- CMD...   start, run CMD with the endpoints in its
                                              environment, stop; exits with CMD's status
    standins.py start                         start in the background, print `export` lines
    standins.py env                           print the `export` lines of running stand-ins
    standins.py stop                          stop what `start` started

The stand-ins, each on a free port of 127.0.0.1:
  - DynamoDB Local (AWS's own emulator, in memory): DDBCRYPT_TEST_DYNAMODB_ENDPOINT
  - moto server (KMS, STS and the IMDS paths): DDBCRYPT_TEST_KMS_ENDPOINT,
    DDBCRYPT_TEST_STS_ENDPOINT, DDBCRYPT_TEST_MOTO_ENDPOINT
  - faultproxy.py in front of DynamoDB Local: DDBCRYPT_TEST_FAULTY_DYNAMODB_ENDPOINT
plus dummy AWS credentials and region, so nothing ever falls through to a real account.

Every stand-in runs in its own process group and is stopped as a group: on normal exit, on
failure, on Ctrl-C / SIGTERM and when --timeout expires. Under `run` the stand-ins are also
told by the kernel to exit if this script dies without cleaning up (PR_SET_PDEATHSIG).

DynamoDB Local comes from scripts/install-deps.sh (.cache/dynamodb-local/, or
DDBCRYPT_DYNAMODB_LOCAL_DIR); moto from the .venv it creates (or DDBCRYPT_MOTO_PYTHON).
Logs go to .cache/standins/<name>.log (or --log-dir).
"""

import argparse
import ctypes
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
DEFAULT_STATE_DIR = ROOT / ".cache" / "standins"
SERVICES = ("dynamodb", "moto", "faultproxy")

# Dummy credentials: DynamoDB Local (2.x) accepts only alphanumeric access key ids, and with
# -sharedDb it ignores them for data placement. None of these reach AWS.
DUMMY_AWS_ENV = {
    "AWS_ACCESS_KEY_ID": "AKIDDDBCRYPTSTANDIN",
    "AWS_SECRET_ACCESS_KEY": "ddbcrypt-standin-secret",
    "AWS_REGION": "us-east-1",
    "AWS_DEFAULT_REGION": "us-east-1",
    # The credential chain must never try the real instance metadata service.
    "AWS_EC2_METADATA_DISABLED": "true",
}
# Anything that is not loopback goes to a proxy address where nothing listens, so a request a
# test should never make (a real AWS endpoint, the metadata service) fails at once instead of
# leaving the machine. libcurl, botocore and urllib all honour these variables.
LOOPBACK_ONLY_ENV = {
    "http_proxy": "http://127.0.0.1:9",
    "https_proxy": "http://127.0.0.1:9",
    "HTTPS_PROXY": "http://127.0.0.1:9",
    "ALL_PROXY": "http://127.0.0.1:9",
    "no_proxy": "127.0.0.1,localhost,::1",
    "NO_PROXY": "127.0.0.1,localhost,::1",
}
CLEARED_AWS_ENV = ("AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_ROLE_ARN",
                   "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_CONTAINER_CREDENTIALS_FULL_URI",
                   "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI")


class StandInError(RuntimeError):
    pass


def log(msg):
    sys.stderr.write("standins: %s\n" % msg)
    sys.stderr.flush()


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _die_with_parent():
    """preexec_fn: SIGTERM this child when the process that started it dies."""
    libc = ctypes.CDLL(None, use_errno=True)
    pr_set_pdeathsig = 1
    libc.prctl(pr_set_pdeathsig, signal.SIGTERM, 0, 0, 0)


def tail(path, lines=30):
    try:
        with open(path, "rb") as f:
            data = f.read().decode("utf-8", "replace").splitlines()
    except OSError:
        return "(no log)"
    return "\n".join(data[-lines:])


def http_ok(method, url, body=None, headers=None, timeout=2.0):
    req = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return resp.status == 200
    except (urllib.error.URLError, OSError, ValueError):
        return False


def dynamodb_ready(endpoint):
    headers = {
        "Content-Type": "application/x-amz-json-1.0",
        "X-Amz-Target": "DynamoDB_20120810.ListTables",
        "Authorization": "AWS4-HMAC-SHA256 Credential=%s/20200101/us-east-1/dynamodb/"
                         "aws4_request, SignedHeaders=host, Signature=00"
                         % DUMMY_AWS_ENV["AWS_ACCESS_KEY_ID"],
    }
    return http_ok("POST", endpoint + "/", b"{}", headers)


def moto_ready(endpoint):
    return http_ok("GET", endpoint + "/moto-api/")


class Process:
    """One stand-in process (and its process group)."""

    def __init__(self, name, popen, endpoint, log_path):
        self.name = name
        self.popen = popen
        self.pid = popen.pid if popen else None
        self.endpoint = endpoint
        self.log_path = log_path

    def to_state(self):
        return {"name": self.name, "pid": self.pid, "endpoint": self.endpoint,
                "log": str(self.log_path)}


def spawn(name, cmd, log_dir, detached, env=None):
    log_path = Path(log_dir) / (name + ".log")
    log_file = open(log_path, "wb")
    try:
        popen = subprocess.Popen(
            cmd, stdin=subprocess.DEVNULL, stdout=log_file, stderr=subprocess.STDOUT,
            start_new_session=True, env=env, cwd=str(log_dir),
            preexec_fn=None if detached else _die_with_parent)
    finally:
        log_file.close()
    return popen, log_path


def wait_ready(name, popen, log_path, check, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if popen.poll() is not None:
            return False
        if check():
            return True
        time.sleep(0.2)
    stop_group(popen.pid)
    raise StandInError("%s did not answer within %.0f s; log %s:\n%s" % (
        name, timeout, log_path, tail(log_path)))


def start_with_retries(name, make_cmd, check_for, log_dir, detached, timeout, env=None):
    """Starts a server on a free port, retrying if another process grabbed the port first."""
    for attempt in range(1, 4):
        port = free_port()
        endpoint = "http://127.0.0.1:%d" % port
        popen, log_path = spawn(name, make_cmd(port), log_dir, detached, env)
        if wait_ready(name, popen, log_path, lambda: check_for(endpoint), timeout):
            return Process(name, popen, endpoint, log_path)
        log("%s exited during start-up (attempt %d, exit %s)" % (name, attempt, popen.returncode))
    raise StandInError("%s would not start; log %s:\n%s" % (name, log_path, tail(log_path)))


def find_java():
    java_home = os.environ.get("JAVA_HOME")
    if java_home and os.access(os.path.join(java_home, "bin", "java"), os.X_OK):
        return os.path.join(java_home, "bin", "java")
    java = shutil.which("java")
    if not java:
        raise StandInError("java is not on PATH (run scripts/install-deps.sh)")
    return java


def start_dynamodb(log_dir, detached, timeout):
    lib = Path(os.environ.get("DDBCRYPT_DYNAMODB_LOCAL_DIR", ROOT / ".cache" / "dynamodb-local"))
    lib = lib / "lib" if (lib / "lib").is_dir() else lib
    if not (lib / "DynamoDBLocal.jar").is_file():
        raise StandInError("DynamoDB Local is not in %s (run scripts/install-deps.sh)" % lib)
    java = find_java()

    def cmd(port):
        return [java, "-Xms64m", "-Xmx512m", "-XX:+UseSerialGC",
                "-Dsqlite4java.library.path=%s" % lib, "-cp", "%s/*" % lib,
                "com.amazonaws.services.dynamodbv2.local.main.ServerRunner",
                "-inMemory", "-sharedDb", "-port", str(port), "-disableTelemetry"]

    return start_with_retries("dynamodb", cmd, dynamodb_ready, log_dir, detached, timeout)


def find_moto_python():
    candidates = [os.environ.get("DDBCRYPT_MOTO_PYTHON"), str(ROOT / ".venv" / "bin" / "python"),
                  sys.executable]
    for python in candidates:
        if python and os.access(python, os.X_OK) and subprocess.run(
                [python, "-c", "import moto.server, flask"], stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL).returncode == 0:
            return python
    raise StandInError("no Python with moto[server] found (run scripts/install-deps.sh)")


def start_moto(log_dir, detached, timeout):
    python = find_moto_python()

    def cmd(port):
        return [python, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)]

    return start_with_retries("moto", cmd, moto_ready, log_dir, detached, timeout)


def start_faultproxy(upstream, log_dir, detached, timeout):
    port_file = Path(log_dir) / "faultproxy.port"
    port_file.unlink(missing_ok=True)
    cmd = [sys.executable, str(HERE / "faultproxy.py"), "--upstream", upstream,
           "--port", "0", "--port-file", str(port_file)]
    popen, log_path = spawn("faultproxy", cmd, log_dir, detached)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if popen.poll() is not None:
            break
        if port_file.is_file():
            endpoint = "http://127.0.0.1:%s" % port_file.read_text().strip()
            if dynamodb_ready(endpoint):
                return Process("faultproxy", popen, endpoint, log_path)
        time.sleep(0.1)
    stop_group(popen.pid)
    raise StandInError("faultproxy would not start; log %s:\n%s" % (log_path, tail(log_path)))


def stop_group(pid, grace=10.0):
    """SIGTERM the process group led by pid, then SIGKILL what is left after `grace` s."""
    if pid is None:
        return
    try:
        os.killpg(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    except PermissionError:
        return
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline:
        try:
            os.killpg(pid, 0)
        except ProcessLookupError:
            break
        # Reap our own child so the group does not linger as a zombie.
        try:
            os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:
            pass
        time.sleep(0.1)
    else:
        try:
            os.killpg(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    try:
        os.waitpid(pid, 0)
    except ChildProcessError:
        pass


def stop_all(processes):
    for proc in reversed(processes):
        stop_group(proc.pid)


def start_all(services, log_dir, detached, timeout):
    Path(log_dir).mkdir(parents=True, exist_ok=True)
    started = []
    try:
        if "dynamodb" in services:
            started.append(start_dynamodb(log_dir, detached, timeout))
        if "moto" in services:
            started.append(start_moto(log_dir, detached, timeout))
        if "faultproxy" in services:
            ddb = next((p for p in started if p.name == "dynamodb"), None)
            if ddb is None:
                raise StandInError("the fault proxy needs DynamoDB Local")
            started.append(start_faultproxy(ddb.endpoint, log_dir, detached, timeout))
    except BaseException:
        stop_all(started)
        raise
    return started


def endpoint_env(processes):
    env = dict(DUMMY_AWS_ENV)
    env.update(LOOPBACK_ONLY_ENV)
    for proc in processes:
        if proc.name == "dynamodb":
            env["DDBCRYPT_TEST_DYNAMODB_ENDPOINT"] = proc.endpoint
        elif proc.name == "moto":
            env["DDBCRYPT_TEST_KMS_ENDPOINT"] = proc.endpoint
            env["DDBCRYPT_TEST_STS_ENDPOINT"] = proc.endpoint
            env["DDBCRYPT_TEST_MOTO_ENDPOINT"] = proc.endpoint
        elif proc.name == "faultproxy":
            env["DDBCRYPT_TEST_FAULTY_DYNAMODB_ENDPOINT"] = proc.endpoint
    return env


def child_env(processes):
    env = dict(os.environ)
    for name in CLEARED_AWS_ENV:
        env.pop(name, None)
    env.update(endpoint_env(processes))
    return env


class Interrupted(Exception):
    def __init__(self, signum):
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


def raise_interrupted(signum, _frame):
    raise Interrupted(signum)


def terminate_child(child, grace=10.0):
    try:
        os.killpg(child.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    try:
        child.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        try:
            os.killpg(child.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        child.wait()
    # Anything the child left behind in its group goes too.
    try:
        os.killpg(child.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def cmd_run(args):
    command = args.command
    if command and command[0] == "--":
        command = command[1:]
    if not command:
        log("run needs a command after --")
        return 2
    # Signals become exceptions so that every exit path goes through the `finally` below.
    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, raise_interrupted)
    processes = []
    child = None
    try:
        started_at = time.monotonic()
        processes = start_all(args.services, args.log_dir, detached=False,
                              timeout=args.start_timeout)
        log("ready in %.1f s: %s" % (time.monotonic() - started_at, ", ".join(
            "%s %s" % (p.name, p.endpoint) for p in processes)))
        # The command gets a process group of its own so a timeout can stop all of it.
        child = subprocess.Popen(command, env=child_env(processes), process_group=0,
                                 preexec_fn=_die_with_parent)
        try:
            return child.wait(timeout=args.timeout)
        except subprocess.TimeoutExpired:
            log("command still running after %s s: stopping it" % args.timeout)
            terminate_child(child)
            return 124
    except Interrupted as exc:
        log("interrupted by %s: stopping" % exc)
        if child is not None and child.poll() is None:
            terminate_child(child)
        return 128 + exc.signum
    except StandInError as exc:
        log(str(exc))
        return 3
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        stop_all(processes)
        if processes:
            log("stopped")


def state_path(args):
    return Path(args.log_dir) / "state.json"


def read_state(args):
    try:
        return json.loads(state_path(args).read_text())
    except (OSError, ValueError):
        return None


def print_exports(env):
    for key in sorted(env):
        print("export %s=%s" % (key, env[key]))


def cmd_start(args):
    if read_state(args):
        log("stand-ins already started (state %s); run `stop` first" % state_path(args))
        return 1
    try:
        processes = start_all(args.services, args.log_dir, detached=True,
                              timeout=args.start_timeout)
    except StandInError as exc:
        log(str(exc))
        return 3
    state = {"processes": [p.to_state() for p in processes], "env": endpoint_env(processes)}
    state_path(args).write_text(json.dumps(state, indent=2))
    print_exports(state["env"])
    return 0


def cmd_env(args):
    state = read_state(args)
    if not state:
        log("no stand-ins running (no state in %s)" % state_path(args))
        return 1
    print_exports(state["env"])
    return 0


def cmd_stop(args):
    state = read_state(args)
    if not state:
        log("no stand-ins running (no state in %s)" % state_path(args))
        return 0
    for proc in reversed(state["processes"]):
        stop_group(proc["pid"])
    state_path(args).unlink(missing_ok=True)
    log("stopped")
    return 0


def main(argv=None):
    parser = argparse.ArgumentParser(
        description="Local AWS stand-ins for ddbcrypt's tests.",
        formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    parser.add_argument("--log-dir", default=str(DEFAULT_STATE_DIR),
                        help="logs and the state of `start` (default .cache/standins)")
    parser.add_argument("--only", default=",".join(SERVICES),
                        help="comma-separated subset of: " + ", ".join(SERVICES))
    parser.add_argument("--start-timeout", type=float, default=120.0,
                        help="seconds each stand-in may take to answer")
    sub = parser.add_subparsers(dest="action", required=True)
    run = sub.add_parser("run", help="start, run a command, stop")
    run.add_argument("--timeout", type=float, default=None,
                     help="stop the command after this many seconds (exit 124)")
    run.add_argument("command", nargs=argparse.REMAINDER)
    sub.add_parser("start", help="start in the background and print export lines")
    sub.add_parser("env", help="print export lines of the running stand-ins")
    sub.add_parser("stop", help="stop the stand-ins `start` started")
    args = parser.parse_args(argv)
    args.services = [s.strip() for s in args.only.split(",") if s.strip()]
    unknown = set(args.services) - set(SERVICES)
    if unknown:
        parser.error("unknown stand-ins: " + ", ".join(sorted(unknown)))
    Path(args.log_dir).mkdir(parents=True, exist_ok=True)
    return {"run": cmd_run, "start": cmd_start, "env": cmd_env, "stop": cmd_stop}[args.action](args)


if __name__ == "__main__":
    sys.exit(main())
