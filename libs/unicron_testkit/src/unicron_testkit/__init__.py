"""Unicron's one harness for tests, benches and deployment checks; each module is one concern:

- ``ports``: a free TCP port on loopback (never 6379).
- ``waiting``: poll for a condition with a deadline, never a bare sleep.
- ``procs``: real subprocesses, each in its own session, output in files, stopped by pid.
- ``redis``: a real Redis on a free port with its own data directory.
- ``sinks``: loopback HTTP and SMTP servers that record what they are sent.
- ``env``: the environment of a Unicron process under test, with nothing of the caller's Unicron.
- ``bytecode``: the workspace's packages compiled once, not by every process a test starts.
- ``cluster``: ``unicron api``, ``scheduler`` and ``worker`` as subprocesses, and a client on the API.
- ``browser``: Debian's Chromium driven by Playwright, axe-core's check in a page, screenshots.

Nothing is imported here: a deployment check that needs ``waiting`` does not pay for aiosmtpd.
"""
