"""Test data shared by tests of different folders. The harness (waiting, processes, sinks, Redis, a
cluster) is ``unicron_testkit``, in libs/unicron_testkit.

Importable as ``helpers`` from any test: pytest puts ``tests/`` on ``sys.path`` for its conftest.
"""

# Hostile job URLs (SSRF tricks) the egress guard must refuse; `.test` names resolve only in tests
# that give the guard their own resolver.
HOSTILE = [
    "http://127.0.0.1/",
    "http://127.1/",
    "http://127.0.0.1:6380/",
    "http://2130706433/",
    "http://0177.0.0.1/",
    "http://0x7f.1/",
    "http://0x7f000001/",
    "http://017700000001/",
    "http://localhost/",
    "http://LOCALHOST./",
    "http://[::1]/",
    "http://[0:0:0:0:0:0:0:1]/",
    "http://[::ffff:127.0.0.1]/",
    "http://[::ffff:7f00:1]/",
    "http://[::127.0.0.1]/",
    "http://[64:ff9b::127.0.0.1]/",
    "http://[64:ff9b::a9fe:a9fe]/",
    "http://[2002:7f00:1::]/",
    "http://[2002:a9fe:a9fe::1]/",
    "http://[2001:0:4136:e378:8000:63bf:80ff:fffe]/",  # Teredo, client 127.0.0.1
    "http://169.254.169.254/latest/meta-data/",
    "http://[fd00:ec2::254]/",
    "http://169.254.0.1/",
    "http://[fe80::1]/",
    "http://0.0.0.0/",
    "http://0/",
    "http://[::]/",
    "http://224.0.0.1/",
    "http://[ff02::1]/",
    "http://240.0.0.1/",
    "http://255.255.255.255/",
    "http://198.18.0.1/",
    "http://evil@127.0.0.1/",
    "http://user:pass@127.0.0.1:80/",
    "http://loopback.test/",
    "http://mixed.test/",
    "http://metadata.test/",
    "http://v6loop.test/",
    "http://mapped.test/",
    "file:///etc/passwd",
    "gopher://127.0.0.1:6379/_INFO",
    "ftp://example.test/",
    "dict://127.0.0.1:6379/",
    "//127.0.0.1/",
    "http:///nohost",
    "http://unknown-name.test/",
]
