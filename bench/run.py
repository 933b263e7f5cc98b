"""Run every benchmark and write bench/RESULTS.md (machine, date, figures): `python -m bench.run`.
Each benchmark runs as its own process, prints its figures and ratios, and is never part of the test run.
The hand-written analysis in bench/ANALYSIS.md (why a target is missed, what would close it) is appended."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import time
from pathlib import Path

from bench.common import machine

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
BENCHMARKS = [
    ("Page: /profile interactive vs /login", [sys.executable, "-m", "bench.bench_page"]),
    ("Round trip: preference toggle vs socket.io echo", [sys.executable, "-m", "bench.bench_roundtrip"]),
    ("auth.login vs /ping", [sys.executable, "-m", "bench.bench_auth_login"]),
    ("Queries per page", [sys.executable, "-m", "bench.bench_queries"]),
    ("Member limit race", [sys.executable, "-m", "bench.bench_member_race"]),
    ("Memory: backend RSS, 0 vs 100 sessions", [sys.executable, "-m", "bench.bench_memory"]),
    ("Revoked session on another worker", [sys.executable, "-m", "bench.bench_revocation"]),
    ("Sign-in with two-factor vs without", [sys.executable, "-m", "bench.bench_two_factor"]),
]


def main(selected: list[str]) -> int:
    env = dict(os.environ)
    env.setdefault("PROFILE_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    sections, failures = [], 0
    for title, command in BENCHMARKS:
        if selected and not any(s in command[-1] for s in selected):
            continue
        print(f"\n== {title}", flush=True)
        started = time.monotonic()
        result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=1800)
        output = result.stdout.strip()
        if result.returncode != 0:
            failures += 1
            output += f"\n\nFAILED (exit {result.returncode}):\n" + "\n".join(result.stderr.strip().splitlines()[-15:])
        print(output, flush=True)
        sections.append(f"## {title}\n\n_{time.monotonic() - started:.0f} s_\n\n```\n{output}\n```\n")
    analysis = (HERE / "ANALYSIS.md").read_text() if (HERE / "ANALYSIS.md").exists() else ""
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True)
    header = (
        "# Benchmark results\n\n"
        f"Made by `python -m bench.run` on {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M UTC}, commit "
        f"{commit.stdout.strip() or '?'}.\n\nMachine: {machine()}\n\n"
    )
    if not selected:
        (HERE / "RESULTS.md").write_text(header + "\n".join(sections) + ("\n" + analysis if analysis else ""))
        print(f"\nwrote {HERE / 'RESULTS.md'}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
