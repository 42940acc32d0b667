"""The fault catalogue of the simulator, as data: one scenario per fault kind.

Each fault names the remediation entry that fixes it (``fix_id``), the lines the faulty service
writes in each language (``node``, ``python``, ``java``, optionally ``postgres``), how its
metrics move (``effect``) and what its callers log (``symptom``). In line texts, ``{name}``
placeholders are filled by the engine (see ``engine._params``); a ``|`` separates the first
line of a record from the exception type + message used for its stack trace.
"""

from __future__ import annotations

from dataclasses import dataclass, field

#: How the faulty service's metrics move. ``down``: not serving (crash/restart loop);
#: ``silent``: hung, no logs, no traffic; ``errors``: failing requests; ``slow``: latency up;
#: ``cpu``, ``leak`` (memory ramp), ``oom`` (memory sawtooth), ``disk`` (disk fills).
EFFECTS = ("down", "silent", "errors", "slow", "cpu", "leak", "oom", "disk")
#: What callers log once the fault reaches them.
SYMPTOMS = ("5xx", "timeout", "refused")


@dataclass(frozen=True)
class Fault:
    kind: str
    fix_id: str
    lines: dict[str, tuple[str, ...]]
    effect: str = "errors"
    symptom: str = "5xx"
    level: str = "ERROR"
    rate: float = 0.35  # share of the faulty service's lines after onset that are fault lines
    restarts: bool = False  # the service restarts now and then (startup banner lines)
    description: str = ""
    extra: dict[str, str] = field(default_factory=dict)


def _f(kind: str, fix_id: str, description: str, node: tuple[str, ...], python: tuple[str, ...],
       java: tuple[str, ...], postgres: tuple[str, ...] = (), **kw) -> Fault:
    lines = {"node": node, "python": python, "java": java}
    if postgres:
        lines["postgres"] = postgres
    return Fault(kind, fix_id, lines, description=description, **kw)


FAULTS: dict[str, Fault] = {f.kind: f for f in [
    _f("disk-full", "disk-full", "the service's data volume fills up; writes fail",
       node=("failed to store upload {hex}: ENOSPC: no space left on device, write|Error: ENOSPC: no space left on device, write",),
       python=("failed to write spool file /var/lib/{svc}/spool/{hex}.json: [Errno 28] No space left on device|OSError: [Errno 28] No space left on device: '/var/lib/{svc}/spool/{hex}.json'",),
       java=("Failed to write report chunk to /data/{svc}/tmp/{hex}.part|java.io.IOException: No space left on device",),
       postgres=('PANIC:  could not write to file "pg_wal/xlogtemp.{pid}": No space left on device',),
       effect="disk"),
    _f("out-of-memory", "out-of-memory", "the heap blows up under a large request; the process is killed and restarts",
       node=("FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory",),
       python=("Worker (pid:{pid}) was sent SIGKILL! Perhaps out of memory?",),
       java=("Handler dispatch failed; nested exception is java.lang.OutOfMemoryError: Java heap space|java.lang.OutOfMemoryError: Java heap space",),
       effect="oom", level="FATAL", rate=0.08, restarts=True),
    _f("memory-leak", "memory-leak", "memory grows steadily after a deploy; GC pauses slow requests",
       node=("(node:{pid}) MaxListenersExceededWarning: Possible EventEmitter memory leak detected. 11 close listeners added to [Socket]. Use emitter.setMaxListeners() to increase limit",),
       python=("memory usage at {pct}% of limit (rss {mb} MB), possible memory leak in session cache",),
       java=("GC pause (G1 Evacuation Pause) {ms}ms, heap {pct}% used",),
       effect="leak", symptom="timeout", level="WARN", rate=0.12),
    _f("cpu-saturation", "cpu-saturation", "a hot loop pins the CPU; requests queue up",
       node=("event loop lag {ms}ms exceeds threshold 200ms",),
       python=("CPU usage at {pct}% for {n}s, request queue length {n}",),
       java=("HikariPool-1 - Thread starvation or clock leap detected (housekeeper delta={ms}ms).",),
       effect="cpu", symptom="timeout", level="WARN", rate=0.15),
    _f("connection-refused", "connection-refused", "the service's cache/broker stops accepting connections",
       node=("redis connection error: connect ECONNREFUSED {ip}:6379|Error: connect ECONNREFUSED {ip}:6379",),
       python=("cache lookup failed: Error 111 connecting to cache-redis:6379. Connection refused.|redis.exceptions.ConnectionError: Error 111 connecting to cache-redis:6379. Connection refused.",),
       java=("Unable to connect to broker at {ip}:9092: Connection refused|java.net.ConnectException: Connection refused",)),
    _f("db-pool-exhausted", "db-pool-exhausted", "a slow query holds every pooled database connection",
       node=("KnexTimeoutError: Knex: Timeout acquiring a connection. The pool is probably full. Are you missing a .transacting(trx) call?",),
       python=("sqlalchemy.exc.TimeoutError: QueuePool limit of size 10 overflow 5 reached, connection timed out, timeout 30.00",),
       java=("HikariPool-1 - Connection is not available, request timed out after 30000ms.|java.sql.SQLTransientConnectionException: HikariPool-1 - Connection is not available, request timed out after 30000ms.",),
       effect="slow", symptom="timeout"),
    _f("port-in-use", "port-in-use", "after a restart the old process still holds the port; the new one cannot bind",
       node=("Error: listen EADDRINUSE: address already in use :::{port}",),
       python=("Connection in use: ('0.0.0.0', {port})",),
       java=("Web server failed to start. Port {port} was already in use.",),
       effect="down", symptom="refused", level="FATAL", rate=0.5),
    _f("dns-failure", "dns-failure", "the name of an external API stops resolving",
       node=("exchange rate refresh failed: getaddrinfo ENOTFOUND {host}|Error: getaddrinfo ENOTFOUND {host}",),
       python=("HTTPSConnectionPool(host='{host}', port=443): Max retries exceeded with url: /v1/rates (Caused by NewConnectionError('Failed to establish a new connection: [Errno -2] Name or service not known'))|requests.exceptions.ConnectionError: [Errno -2] Name or service not known",),
       java=("I/O error on GET request for \"https://{host}/v1/rates\": {host}|java.net.UnknownHostException: {host}",)),
    _f("tls-certificate", "tls-certificate", "the certificate of a partner API expires",
       node=("request to https://{host}/v1/charge failed, reason: certificate has expired (CERT_HAS_EXPIRED)",),
       python=("HTTPSConnectionPool(host='{host}', port=443): Max retries exceeded (Caused by SSLError(SSLCertVerificationError(1, '[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: certificate has expired (_ssl.c:1006)')))|requests.exceptions.SSLError: certificate verify failed: certificate has expired",),
       java=("I/O error on POST request for \"https://{host}/v1/charge\": PKIX path validation failed|javax.net.ssl.SSLHandshakeException: PKIX path validation failed: java.security.cert.CertPathValidatorException: validity check failed",)),
    _f("timeout", "timeout", "an external API becomes very slow; calls hit their deadline",
       node=("POST https://{host}/v2/authorize failed: timeout of 5000ms exceeded|Error: timeout of 5000ms exceeded",),
       python=("HTTPSConnectionPool(host='{host}', port=443): Read timed out. (read timeout=5)|requests.exceptions.ReadTimeout: HTTPSConnectionPool(host='{host}', port=443): Read timed out. (read timeout=5)",),
       java=("I/O error on POST request for \"https://{host}/v2/authorize\": Read timed out|java.net.SocketTimeoutException: Read timed out",),
       effect="slow", symptom="timeout"),
    _f("too-many-open-files", "too-many-open-files", "a socket leak exhausts the file descriptors",
       node=("Error: EMFILE: too many open files, open '/srv/{svc}/cache/{hex}.json'",),
       python=("cannot open /var/lib/{svc}/tmp/{hex}: [Errno 24] Too many open files|OSError: [Errno 24] Too many open files: '/var/lib/{svc}/tmp/{hex}'",),
       java=("Socket accept failed: java.io.IOException: Too many open files|java.io.IOException: Too many open files",)),
    _f("crash-loop", "crash-loop", "the service exits right after start and is restarted with back-off",
       node=("Back-off restarting failed container {svc} in pod {svc}-{pod}", "worker exited with code 1, restarting (attempt {n})"),
       python=("Back-off restarting failed container {svc} in pod {svc}-{pod}", "worker exited with code 1, restarting (attempt {n})"),
       java=("Back-off restarting failed container {svc} in pod {svc}-{pod}", "process exited with code 1, restarting (attempt {n})"),
       effect="down", symptom="refused", rate=0.5, restarts=True),
    _f("config-parse-error", "config-parse-error", "a config change with a YAML/JSON syntax error is rolled out",
       node=("Failed to load /etc/{svc}/config.json: Unexpected token } in JSON at position {n}|SyntaxError: Unexpected token } in JSON at position {n}",),
       python=("failed to load configuration /etc/{svc}/config.yaml: yaml.scanner.ScannerError: mapping values are not allowed here|yaml.scanner.ScannerError: mapping values are not allowed here\n  in \"/etc/{svc}/config.yaml\", line {line}, column 7",),
       java=("Failed to load property source from location 'file:/etc/{svc}/application.yml': org.yaml.snakeyaml.scanner.ScannerException: mapping values are not allowed here|org.yaml.snakeyaml.scanner.ScannerException: mapping values are not allowed here in 'reader', line {line}, column 7",),
       effect="down", symptom="refused", level="FATAL", rate=0.5, restarts=True),
    _f("permission-denied", "permission-denied", "a deploy changes the container user; the service cannot write its files",
       node=("Error: EACCES: permission denied, open '/var/log/{svc}/audit.log'",),
       python=("export failed: [Errno 13] Permission denied: '/data/{svc}/exports/{n}.csv'|PermissionError: [Errno 13] Permission denied: '/data/{svc}/exports/{n}.csv'",),
       java=("Could not write report: java.nio.file.AccessDeniedException: /data/{svc}/reports/{n}.pdf|java.nio.file.AccessDeniedException: /data/{svc}/reports/{n}.pdf",)),
    _f("upstream-5xx", "upstream-5xx", "a partner API starts answering 502",
       node=("charge failed: AxiosError: Request failed with status code 502 (POST https://{host}/v1/charges)",),
       python=("502 Server Error: Bad Gateway for url: https://{host}/v1/quotes|requests.exceptions.HTTPError: 502 Server Error: Bad Gateway for url: https://{host}/v1/quotes",),
       java=("502 Bad Gateway from POST https://{host}/v1/labels|org.springframework.web.client.HttpServerErrorException$BadGateway: 502 Bad Gateway from POST https://{host}/v1/labels",)),
    _f("rate-limited", "rate-limited", "a batch job exceeds a partner API's rate limit",
       node=("email API responded 429 Too Many Requests, retry after {n}s",),
       python=("stripe.error.RateLimitError: Request rate limit exceeded. You can make up to 25 requests per second",),
       java=("429 Too Many Requests from POST https://{host}/v1/messages|org.springframework.web.client.HttpClientErrorException$TooManyRequests: 429 Too Many Requests",)),
    _f("unhandled-rejection", "unhandled-rejection", "a code path stops handling an async error",
       node=("(node:{pid}) UnhandledPromiseRejectionWarning: TypeError: Cannot read properties of undefined (reading 'sku')",),
       python=("Task exception was never retrieved: KeyError('sku')|KeyError: 'sku'",),
       java=("Exception in thread \"kafka-consumer-{n}\" java.lang.NullPointerException: Cannot invoke \"String.length()\" because \"sku\" is null",)),
    _f("module-not-found", "module-not-found", "a deploy ships an image without one dependency",
       node=("Error: Cannot find module 'ioredis'\nRequire stack:\n- /app/src/cache.js\n- /app/src/server.js",),
       python=("failed to import payment backend: No module named 'stripe'|ModuleNotFoundError: No module named 'stripe'",),
       java=("Application run failed: java.lang.ClassNotFoundException: org.postgresql.Driver|java.lang.ClassNotFoundException: org.postgresql.Driver",),
       effect="down", symptom="refused", level="FATAL", rate=0.5, restarts=True),
    _f("segfault", "segfault", "a native library crashes the process",
       node=("{svc}[{pid}]: segfault at 0 ip 00007f{hex6} sp 00007ffd{hex6} error 4 in libvips.so.42[7f{hex6}000+1b0000]",),
       python=("Fatal Python error: Segmentation fault",),
       java=("# A fatal error has been detected by the Java Runtime Environment:\n#  SIGSEGV (0xb) at pc=0x00007f{hex6}, pid={pid}, tid={n}",),
       effect="down", symptom="refused", level="FATAL", rate=0.3, restarts=True),
    _f("clock-skew", "clock-skew", "the node's clock drifts; signed tokens are rejected",
       node=("jwt verification failed: JsonWebTokenError: jwt not active",),
       python=("clock skew detected: local time is {n}s ahead of NTP server, rejecting signed request",),
       java=("The difference between the request time and the current time is too large. (Error Code: RequestTimeTooSkewed)|com.amazonaws.services.s3.model.AmazonS3Exception: RequestTimeTooSkewed",)),
    _f("silent-service", "silent-service", "the service hangs (deadlock): no logs, no traffic, callers time out",
       node=(), python=(), java=(), effect="silent", symptom="timeout", rate=0.0),
    _f("missing-path", "missing-path", "a mounted file disappears after a volume change",
       node=("Error: ENOENT: no such file or directory, open '/etc/{svc}/keys/jwt.pem'",),
       python=("render failed: [Errno 2] No such file or directory: '/data/{svc}/templates/invoice.html'|FileNotFoundError: [Errno 2] No such file or directory: '/data/{svc}/templates/invoice.html'",),
       java=("Cannot load rates table: java.nio.file.NoSuchFileException: /opt/{svc}/conf/rates.csv|java.nio.file.NoSuchFileException: /opt/{svc}/conf/rates.csv",)),
    _f("empty-file", "empty-file", "a state file is truncated to zero bytes",
       node=("config file '/etc/{svc}/flags.json' is empty",),
       python=("failed to load /var/lib/{svc}/state.json: Expecting value: line 1 column 1 (char 0)|json.decoder.JSONDecodeError: Expecting value: line 1 column 1 (char 0)",),
       java=("Cannot read /data/{svc}/catalog.json: No content to map due to end-of-input|com.fasterxml.jackson.databind.exc.MismatchedInputException: No content to map due to end-of-input",)),
    _f("write-read-race", "write-read-race", "a reader sees a cache file half-written by a refresh job",
       node=("failed to read /var/cache/{svc}/catalog.json: Unexpected end of JSON input",),
       python=("loading /var/cache/{svc}/model.bin failed: EOFError: Ran out of input|EOFError: Ran out of input",),
       java=("file /data/{svc}/export.csv was modified during read (size changed from {n} to {n})",),
       rate=0.2),
]}
