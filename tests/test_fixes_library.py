"""The remediation library: ids, realistic matches, safety of every regex, loading rules,
parameters, user folders and the CLI."""

from __future__ import annotations

import re
import time

import pytest

from rca.errors import ConfigError
from rca.fixes import Clue, Library
from rca.fixes.regex_guard import ADVERSARIAL_SIZE as SIZE
from rca.fixes.regex_guard import adversarial_inputs, check_pattern

REQUIRED = ("port-in-use permission-denied missing-path write-read-race empty-file disk-full "
            "out-of-memory memory-leak cpu-saturation connection-refused timeout dns-failure "
            "too-many-open-files tls-certificate module-not-found unhandled-rejection crash-loop "
            "db-pool-exhausted upstream-5xx rate-limited segfault clock-skew silent-service "
            "config-parse-error").split()


# Realistic lines per id (Node, Python, Java, Go, nginx, postgres, kernel, k8s).
POSITIVE = {
    "port-in-use": [
        "Error: listen EADDRINUSE: address already in use :::3000",
        "listen tcp :8080: bind: address already in use",
        "2024/01/02 10:00:00 [emerg] 1#1: bind() to 0.0.0.0:80 failed (98: Address already in use)",
        "java.net.BindException: Address already in use",
        "OSError: [Errno 98] Address already in use",
    ],
    "permission-denied": [
        "PermissionError: [Errno 13] Permission denied: '/var/log/orders/app.log'",
        "Error: EACCES: permission denied, open '/data/uploads/a.png'",
        "open /etc/app/secret.key: permission denied",
        'ERROR:  permission denied for table orders',
    ],
    "missing-path": [
        "FileNotFoundError: [Errno 2] No such file or directory: '/data/input.csv'",
        "Error: ENOENT: no such file or directory, open '/etc/orders/keys/jwt.pem'",
        "java.nio.file.NoSuchFileException: /opt/app/conf/app.properties",
        'open() "/usr/share/nginx/html/favicon.ico" failed (2: No such file or directory)',
    ],
    "write-read-race": [
        "tar: /var/lib/app/data.db: file changed as we read it",
        "SyntaxError: Unexpected end of JSON input while reading /var/cache/app/state.json",
        "EOFError: Ran out of input",
    ],
    "empty-file": [
        "json.decoder.JSONDecodeError: Expecting value: line 1 column 1 (char 0)",
        "pandas.errors.EmptyDataError: No columns to parse from file",
        "config file '/etc/app/settings.json' is empty",
    ],
    "disk-full": [
        "OSError: [Errno 28] No space left on device",
        "Error: ENOSPC: no space left on device, write",
        'PANIC:  could not write to file "pg_wal/xlogtemp.123": No space left on device',
        "write /var/lib/docker/tmp/x: no space left on device",
    ],
    "out-of-memory": [
        "java.lang.OutOfMemoryError: Java heap space",
        "Out of memory: Killed process 1234 (java) total-vm:8388608kB, anon-rss:4194304kB",
        "kernel: Killed process 1234 (java) total-vm:8388608kB, anon-rss:4194304kB",
        "FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory",
        "fatal error: runtime: out of memory",
    ],
    "memory-leak": [
        "(node:42) MaxListenersExceededWarning: Possible EventEmitter memory leak detected. 11 error listeners added",
        "java.lang.OutOfMemoryError: GC overhead limit exceeded",
        "LEAK: ByteBuf.release() was not called before it's garbage-collected.",
        "heap usage at 96% after full GC",
    ],
    "cpu-saturation": [
        "event loop lag 850ms exceeds threshold",
        "HikariPool-1 - Thread starvation or clock leap detected (housekeeper delta=1m2s).",
        "kernel: watchdog: BUG: soft lockup - CPU#3 stuck for 23s!",
        "CPU usage at 98% for 5 minutes, requests queueing",
    ],
    "connection-refused": [
        "dial tcp 10.0.0.5:5432: connect: connection refused",
        "Error: connect ECONNREFUSED 127.0.0.1:6379",
        "java.net.ConnectException: Connection refused",
        "redis.exceptions.ConnectionError: Error 111 connecting to cache:6379. Connection refused.",
        'psycopg2.OperationalError: connection to server at "db" (10.0.0.7), port 5432 failed: Connection refused',
    ],
    "timeout": [
        "Get \"http://payment:8080/charge\": context deadline exceeded",
        "requests.exceptions.ReadTimeout: HTTPSConnectionPool(host='api.bank.com', port=443): Read timed out. (read timeout=5)",
        "java.net.SocketTimeoutException: Read timed out",
        'upstream timed out (110: Connection timed out) while reading response header from upstream, client: 1.2.3.4, upstream: "http://10.0.0.9:8080/api"',
        "Error: connect ETIMEDOUT 10.1.2.3:443",
    ],
    "dns-failure": [
        "Error: getaddrinfo ENOTFOUND api.example.com",
        "dial tcp: lookup payments.internal on 10.96.0.10:53: no such host",
        "socket.gaierror: [Errno -2] Name or service not known",
        "java.net.UnknownHostException: inventory.svc.cluster.local",
    ],
    "too-many-open-files": [
        "Error: EMFILE: too many open files, open '/srv/app/tmp/x.json'",
        "OSError: [Errno 24] Too many open files",
        "http: Accept error: accept tcp [::]:8080: accept4: too many open files; retrying in 5ms",
        "java.net.SocketException: Too many open files",
    ],
    "tls-certificate": [
        "x509: certificate has expired or is not yet valid: current time 2024-01-01T00:00:00Z is after 2023-12-31T23:59:59Z",
        "Error: certificate has expired code: 'CERT_HAS_EXPIRED'",
        "javax.net.ssl.SSLHandshakeException: PKIX path building failed",
        "ssl.SSLCertVerificationError: [SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: unable to get local issuer certificate",
    ],
    "module-not-found": [
        "ModuleNotFoundError: No module named 'foo'",
        "Error: Cannot find module 'ioredis'",
        "java.lang.ClassNotFoundException: org.postgresql.Driver",
        "./app: error while loading shared libraries: libssl.so.1.1: cannot open shared object file: No such file or directory",
    ],
    "unhandled-rejection": [
        "(node:1) UnhandledPromiseRejectionWarning: TypeError: Cannot read properties of undefined (reading 'id')",
        "[UnhandledPromiseRejection: This error originated either by throwing inside of an async function without a catch block]",
        "Task exception was never retrieved",
        'Exception in thread "main" java.lang.IllegalStateException: boom',
    ],
    "crash-loop": [
        "Back-off restarting failed container orders in pod orders-7d9f8c-xk2p",
        "Warning  BackOff  kubelet  pod is in CrashLoopBackOff",
        "systemd[1]: orders.service: Start request repeated too quickly.",
        "worker 31 exited with code 1, restarting (attempt 5)",
    ],
    "db-pool-exhausted": [
        "remaining connection slots are reserved for non-replication superuser connections",
        "HikariPool-1 - Connection is not available, request timed out after 30000ms.",
        "sqlalchemy.exc.TimeoutError: QueuePool limit of size 5 overflow 10 reached, connection timed out, timeout 30",
        "FATAL:  sorry, too many clients already",
        "KnexTimeoutError: Knex: Timeout acquiring a connection. The pool is probably full.",
    ],
    "upstream-5xx": [
        "upstream prematurely closed connection while reading response header from upstream",
        "AxiosError: Request failed with status code 502",
        "upstream payment returned 503 Service Unavailable",
        "upstream connect error or disconnect/reset before headers. reset reason: connection termination",
    ],
    "rate-limited": [
        "HTTP/1.1 429 Too Many Requests",
        "stripe.error.RateLimitError: Request rate limit exceeded",
        'limiting requests, excess: 20.500 by zone "api", client: 1.2.3.4',
        "botocore.exceptions.ClientError: An error occurred (ThrottlingException) when calling the PutItem operation",
    ],
    "segfault": [
        "kernel: orders[4321]: segfault at 0 ip 00007f3a2b1c4d5e sp 00007ffd1a2b3c40 error 4 in libc.so.6[7f3a2b000000+1b0000]",
        "panic: runtime error: invalid memory address or nil pointer dereference [signal SIGSEGV: segmentation violation]",
        "Fatal Python error: Segmentation fault",
        "/entrypoint.sh: line 5:    12 Segmentation fault      (core dumped) ./server",
    ],
    "clock-skew": [
        "clock skew detected: local time is 93s ahead of server",
        "RequestTimeTooSkewed: The difference between the request time and the current time is too large.",
        "jwt verification failed: token used before issued",
        "Clock moved backwards. Refusing to generate id for 12 milliseconds",
    ],
    "silent-service": [
        "Readiness probe failed: Get \"http://10.0.0.3:8080/ready\": context deadline exceeded",
        "Found one Java-level deadlock:",
        "fatal error: all goroutines are asleep - deadlock!",
    ],
    "config-parse-error": [
        "yaml.scanner.ScannerError: mapping values are not allowed here",
        'in "/etc/orders/config.yaml", line 12, column 7',
        "json.decoder.JSONDecodeError: Expecting ',' delimiter: line 3 column 5 (char 27)",
        "SyntaxError: Unexpected token } in JSON at position 212",
        "nginx: [emerg] unknown directive \"proxy_passs\" in /etc/nginx/conf.d/default.conf:14",
    ],
}

BENIGN = [
    "GET /api/orders/123 200 23ms",
    "Started OrdersApplication in 4.2 seconds (JVM running for 5.1)",
    "checkpoint complete: wrote 1234 buffers (7.5%)",
    "connection received: host=10.0.0.5 port=51234",
    "cache hit ratio 0.93 over last 60s",
    "user 42 logged in from 10.0.0.8",
    "Processed 500 messages from topic orders in 1.2s",
    "Listening on http://0.0.0.0:3000",
    "health check ok",
    "scheduled job cleanup-sessions finished, removed 12 rows",
    "setting request timeout to 30s",
    "connection pool size 10 (max 20)",
    "disk usage 45% on /var/lib",
    "certificate renewed, valid until 2027-01-01",
    "GC pause 12ms, heap 41% used",
    "CPU usage at 35%",
    "TLS handshake completed with api.example.com",
    "health check passed (200 OK)",
]


@pytest.fixture(scope="module")
def lib() -> Library:
    return Library.load(use_env=False)


def test_every_required_id_is_shipped_and_complete(lib):
    assert set(REQUIRED) <= set(lib.ids)
    for fix_id in REQUIRED:
        entry = lib.get(fix_id)
        assert entry.title and entry.steps and entry.docs
        assert entry.patterns or entry.metrics
    assert set(POSITIVE) == set(REQUIRED)


@pytest.mark.parametrize("fix_id", REQUIRED)
def test_each_id_recognises_real_world_lines(lib, fix_id):
    lines = POSITIVE[fix_id]
    assert len(lines) >= 2
    top1 = 0
    for line in lines:
        ranked = [s.id for s in lib.suggest([("svc", line)], limit=3)]
        assert fix_id in ranked, (line, ranked)
        top1 += ranked[0] == fix_id
    assert top1 >= len(lines) - 1  # at most one line where a related entry ranks above


BRIEF_PHRASES = {  # the phrasings issue 5 names, verbatim
    "EADDRINUSE: address already in use :::3000": "port-in-use",
    "OSError: [Errno 28] No space left on device": "disk-full",
    "java.lang.OutOfMemoryError: Java heap space": "out-of-memory",
    "Killed process 1234 (java) total-vm": "out-of-memory",
    "dial tcp 10.0.0.5:5432: connect: connection refused": "connection-refused",
    "getaddrinfo ENOTFOUND api.example.com": "dns-failure",
    "x509: certificate has expired": "tls-certificate",
    "ModuleNotFoundError: No module named 'foo'": "module-not-found",
    "UnhandledPromiseRejectionWarning": "unhandled-rejection",
    "Back-off restarting failed container": "crash-loop",
    "remaining connection slots are reserved": "db-pool-exhausted",
    "HikariPool-1 - Connection is not available, request timed out": "db-pool-exhausted",
    "upstream prematurely closed connection": "upstream-5xx",
    "429 Too Many Requests": "rate-limited",
    "segfault at 0 ip": "segfault",
    "clock skew detected": "clock-skew",
    "yaml.scanner.ScannerError": "config-parse-error",
}


@pytest.mark.parametrize("line, fix_id", sorted(BRIEF_PHRASES.items()))
def test_phrases_from_the_issue_rank_their_entry_first(lib, line, fix_id):
    assert lib.suggest([("svc", line)])[0].id == fix_id


@pytest.mark.parametrize("line", BENIGN)
def test_benign_lines_suggest_nothing(lib, line):
    assert lib.suggest([("svc", line)]) == []


def test_every_regex_is_fast_on_100kb_adversarial_lines(lib):
    regexes = [(entry.id, rx) for entry in lib.entries for rx in entry.regexes]
    assert len(regexes) > 150
    worst = (0.0, "")
    for fix_id, regex in regexes:
        for text in adversarial_inputs(regex.pattern, regex.flags):
            assert len(text) >= SIZE - 100
            t0 = time.perf_counter()
            regex.search(text)
            took = time.perf_counter() - t0
            worst = max(worst, (took, f"{fix_id}: {regex.pattern}"))
    # linear patterns take ~1-100 ms on 100 kB here; a backtracking one takes seconds to hours
    assert worst[0] < 1.0, worst


def test_adversarial_inputs_expose_a_quadratic_pattern():
    """The harness is not toothless: an unanchored bounded run before a literal is slow on it."""
    slow = re.compile(r"[\w.-]{1,250} could not be resolved", re.IGNORECASE)
    fast = re.compile(r"(?<![\w.-])[\w.-]{1,250}+ could not be resolved", re.IGNORECASE)

    def worst(rx):
        out = 0.0
        for text in adversarial_inputs(rx.pattern, rx.flags, size=20_000):
            t0 = time.perf_counter()
            rx.search(text)
            out = max(out, time.perf_counter() - t0)
        return out

    assert worst(slow) > 5 * worst(fast)


@pytest.mark.parametrize("pattern", [r"(a+)+b", r"x.*y", r"(?:\w{1,20}\.){1,10}", r"(a|ab){1,30}c",
                                     r"\d{1,5000}"])
def test_guard_rejects_backtracking_shapes(pattern):
    with pytest.raises(ValueError):
        check_pattern(pattern)


@pytest.mark.parametrize("pattern", [r"(?:\w{1,20}+\.){1,10}+", r"(?>a|ab){1,30}c", r"x[^\n]{0,80}?y"])
def test_guard_accepts_safe_shapes(pattern):
    check_pattern(pattern)


def _write(folder, name, text):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(text, encoding="utf-8")
    return folder


@pytest.mark.parametrize("body, needle", [
    ("- id: bad-one\n  title: T\n  signature: {patterns: ['(unclosed']}\n  steps: [x]\n",
     "pattern 1 does not compile"),
    ("- id: bad-one\n  title: T\n  signature: {patterns: ['(a+)+$']}\n  steps: [x]\n",
     "pattern 1 is unsafe"),
    ("- id: bad-one\n  title: T\n  signature: {patterns: ['boom']}\n  steps: ['see {nope}']\n",
     "placeholder {nope}"),
    ("- id: bad-one\n  title: T\n  signatur: {patterns: ['boom']}\n  steps: [x]\n",
     "unknown key(s) signatur"),
    ("- id: bad-one\n  title: T\n  signature: {errno: [ENOPE]}\n  steps: [x]\n",
     "unknown errno name"),
])
def test_load_errors_name_file_and_entry(tmp_path, body, needle):
    folder = _write(tmp_path / "mine", "broken.yaml", body)
    with pytest.raises(ConfigError) as exc:
        Library.load(extra_dirs=[folder], use_env=False)
    message = str(exc.value)
    assert "broken.yaml" in message and "'bad-one'" in message and needle in message


def test_missing_user_folder_is_a_config_error(tmp_path):
    with pytest.raises(ConfigError, match="fixes folder not found"):
        Library.load(extra_dirs=[tmp_path / "nowhere"], use_env=False)


def test_named_groups_fill_steps_and_quote_commands(lib):
    sug = lib.suggest([("orders", "Error: listen EADDRINUSE: address already in use :::3000")])[0]
    assert sug.id == "port-in-use" and sug.service == "orders"
    assert any("port 3000" in step for step in sug.steps)
    assert "ss -ltnp 'sport = :3000'" in sug.commands
    assert not any("{" in s and "}" in s and "{port}" in s for s in sug.steps)
    assert sug.matched.startswith("Error: listen EADDRINUSE")

    odd = "PermissionError: [Errno 13] Permission denied: '/data/my files/$(rm -rf x)'"
    sug = lib.suggest([("billing", odd)])[0]
    assert sug.id == "permission-denied"
    assert "namei -l '/data/my files/$(rm -rf x)'" in sug.commands  # shell-quoted
    assert any("/data/my files/$(rm -rf x)" in s for s in sug.steps)

    sug = lib.suggest([("api", "No space left on device")])[0]  # nothing captured: defaults
    assert sug.id == "disk-full" and "df -h /" in sug.commands


def test_suggestions_follow_clue_importance(lib):
    clues = [("orders", "dial tcp 10.0.0.5:5432: connect: connection refused", "ERROR"),
             ("frontend", "OSError: [Errno 28] No space left on device", "ERROR")]
    ranked = lib.suggest(clues)
    assert [s.id for s in ranked[:2]] == ["connection-refused", "disk-full"]
    assert ranked[0].service == "orders" and ranked[1].service == "frontend"
    assert ranked[0].confidence > ranked[1].confidence
    flipped = lib.suggest(list(reversed(clues)))
    assert flipped[0].id == "disk-full"


def test_metric_hints_and_levels(lib):
    leak = lib.suggest([Clue("carts", None, None, "carts_mem rising")])
    assert leak[0].id == "memory-leak" and leak[0].matched == "carts_mem rising"
    silent = lib.suggest([Clue("orders", None, None, "orders logs stopped (silent)")])
    assert silent[0].id == "silent-service"
    as_error = lib.suggest([("a", "Error: listen EADDRINUSE: address already in use :::80", "ERROR")])
    as_info = lib.suggest([("a", "Error: listen EADDRINUSE: address already in use :::80", "info")])
    assert as_info[0].confidence < as_error[0].confidence  # level outside the entry's levels


def test_user_folder_adds_and_overrides_by_id(tmp_path, monkeypatch):
    mine = _write(tmp_path / "mine", "team.yaml", """
- id: disk-full
  title: Disk full (our runbook)
  signature:
    patterns: ['No space left on device']
  steps: ['Page storage on-call for {service}.']
- id: kafka-rebalance
  title: Kafka consumer stuck in rebalance
  signature:
    patterns: ['group (?P<group>[\\w.-]{1,100}) is rebalancing']
  steps: ['Restart the consumers of {group}.']
""")
    lib = Library.load(extra_dirs=[mine], use_env=False)
    assert lib.get("disk-full").title == "Disk full (our runbook)"
    assert "port-in-use" in lib  # shipped entries stay
    sug = lib.suggest([("orders", "consumer group billing-events is rebalancing")])[0]
    assert sug.id == "kafka-rebalance" and sug.steps == ("Restart the consumers of billing-events.",)

    monkeypatch.setenv("RCA_FIXES_PATH", str(mine))
    assert Library.load().get("disk-full").title == "Disk full (our runbook)"
    assert Library.load(use_env=False).get("disk-full").title == "Disk full"


def test_cli_fixes_list_and_show(run_cli, tmp_path):
    code, out, _ = run_cli("fixes", "list")
    assert code == 0 and "port-in-use" in out and "24 remediation entries" in out
    code, out, _ = run_cli("fixes", "show", "disk-full")
    assert code == 0 and "No space left on device" in out and "df -h" in out
    code, out, err = run_cli("fixes", "show", "no-such-fix")
    assert code == 2 and "unknown fix id 'no-such-fix'" in err and "Traceback" not in err
    mine = _write(tmp_path / "mine", "x.yaml",
                  "id: my-fix\ntitle: Mine\nsignature: {patterns: ['boom']}\nsteps: ['do it']\n")
    code, out, _ = run_cli("fixes", "show", "my-fix", "--fixes-dir", str(mine), "--json")
    assert code == 0 and '"title": "Mine"' in out
    code, out, _ = run_cli("fixes", "match", "dial tcp 10.0.0.5:5432: connect: connection refused",
                           "--service", "orders")
    assert code == 0 and "connection-refused" in out and "nc -vz 10.0.0.5 5432" in out
    code, out, _ = run_cli("fixes", "match", "all good here")
    assert code == 0 and "no entry matches" in out
    bad = _write(tmp_path / "bad", "x.yaml", "id: my-fix\ntitle: Mine\nsignature: {patterns: ['(']}\nsteps: [x]\n")
    code, _, err = run_cli("fixes", "list", "--fixes-dir", str(bad))
    assert code == 3 and "x.yaml" in err and "my-fix" in err


@pytest.mark.parametrize("template, fix_id", [
    ("Error: listen EADDRINUSE: address already in use :::<*>", "port-in-use"),
    ("dial tcp <*>: connect: connection refused", "connection-refused"),
    ("OSError: [Errno <*>] No space left on device: <*>", "disk-full"),
    ("HikariPool-<*> - Connection is not available, request timed out after <*>ms.", "db-pool-exhausted"),
    ("Killed process <*> (java) total-vm:<*>kB, anon-rss:<*>kB", "out-of-memory"),
    ("upstream <*> returned <*> Service Unavailable", "upstream-5xx"),
    ("json.decoder.JSONDecodeError: Expecting value: line <*> column <*> (char <*>)", "empty-file"),
    ("worker <*> exited with code <*>, restarting (attempt <*>)", "crash-loop"),
])
def test_templates_with_masked_numbers_still_match(lib, template, fix_id):
    sug = lib.suggest([("svc", template)])
    assert sug and sug[0].id == fix_id, [s.id for s in sug]
    assert not any("<*>" in c for c in sug[0].commands)  # a masked value is not a parameter
