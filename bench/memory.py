"""Peak memory of the publisher function on a batch of ten articles at the 1 MiB limit, the
figure template.yaml's MemorySize is set from.

    .venv/bin/python bench/memory.py [--fill 100]

A moto server runs in this process with template.yaml's resources. Before each case it is
reset to a published site: the config and 49 typical articles (bench/coldstart.py's
`Site`). Each case is one fresh child process running the real handler against it, as
Lambda runs it: import, clients, then batches of ten SQS records (one per uploaded file;
each batch's files under their own ids). The child reports its own peak RSS (VmHWM,
/proc/self/status) once ready and after each batch: moto, its server and this process are
not in it, so nothing needs subtracting.

The cases, two batches each: ten typical articles (content/'s median one); ten articles of
each 1 MiB shape of bench/worst_case.py, each body starting with its own id (the publisher
parses, sanitises, indexes and renders every accepted one; the rejected shapes are parsed
and reported); ten different 1 MiB shapes. Then the heaviest of those batches again, as
many times as it takes to upload `--fill` such articles (100: the `all` feed's live items,
50 by default, and its open archive page, 50, D12): each batch's render of that feed then
reads and renders every one of them, the worst a batch can meet at the default config.
(Memory grows with the large articles in the documents a batch renders, not with the
batches a warm process has run: six batches of drafts stay flat.)

Lambda's "Max Memory Used" counts the runtime's own process too, and Lambda runs Python
3.13 on arm64 where this runs what the machine has, so the figures are a floor; the
headroom is said in template.yaml. The last line: the last case's peak against MemorySize.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from coldstart import ROOT, Site, sqs_event
from worst_case import NOW, shapes, typical

BATCH = 10
CHILD = """import json, sys
from pathlib import Path
from types import SimpleNamespace

def peak():
    status = Path('/proc/self/status').read_text()
    return int(next(l for l in status.splitlines() if l.startswith('VmHWM:')).split()[1]) / 1024

import nashra.handlers.work_queue as h
h.new_publisher(h.services())
marks = {"ready": peak(), "statuses": []}
handler = h.make_handler(observe=lambda b: marks["statuses"].extend(o.status for o in b.outcomes))
context = SimpleNamespace(
    function_name="nashra-publisher", memory_limit_in_mb=1024, aws_request_id="memory",
    invoked_function_arn="arn:aws:lambda:us-east-1:123456789012:function:nashra-publisher",
)
marks["batches"], marks["failed"] = [], 0
for event in sys.argv[1:]:
    marks["failed"] += len(handler(json.loads(event), context)["batchItemFailures"])
    marks["batches"].append(peak())
print("MEMORY", json.dumps(marks))
"""


@dataclass(frozen=True)
class Case:
    name: str
    files: list[bytes]  # one batch's files; each batch has them under its own ids
    batches: int = 2


@dataclass(frozen=True)
class Peak:
    name: str
    ready: float
    batches: list[float]  # peak RSS after each batch
    outcome: str

    @property
    def worst(self) -> float:
        return max(self.batches)


def with_id(raw: bytes, article_id: str) -> bytes:
    """The file under `article_id`, its body starting with that id: ten copies of a shape
    are ten different articles (nothing parsed or rendered for one serves another)."""
    data: dict[str, Any] = json.loads(raw)
    data["id"] = article_id
    data["body"] = f"{article_id} {data['body']}"
    return json.dumps(data, ensure_ascii=False).encode("utf-8")


def cases() -> list[Case]:
    """Typical, each 1 MiB shape of bench/worst_case.py, ten different shapes."""
    base = {**typical(), "id": "bench", "published": NOW.isoformat()}
    base.pop("updated", None)
    found = [Case("10 typical articles", [json.dumps(base, ensure_ascii=False).encode()] * BATCH)]
    megabyte = [shape for shape in shapes(base) if shape.megabyte]
    found += [Case(f"10 x {shape.name}", [shape.raw] * BATCH) for shape in megabyte]
    mixed = [shape.raw for shape in megabyte if "rejected" not in shape.name][:BATCH]
    found.append(Case(f"{len(mixed)} different 1 MiB shapes", mixed))
    return found


def measure(site: Site, case: Case) -> Peak:
    """The case's batches in one child, on a site reset to its 49 published articles."""
    site.provision()
    site.publish_archive()
    events = []
    for batch in range(case.batches):
        keys = []
        for n, raw in enumerate(case.files):
            article_id = f"memory-{batch:02d}-{n:02d}"
            keys.append(site.put(f"articles/{article_id}.json", with_id(raw, article_id)))
        events.append(sqs_event(keys, site.inbox, first=BATCH * batch))
    out = subprocess.run(
        [sys.executable, "-c", CHILD, *events],
        capture_output=True,
        text=True,
        check=True,
        env=site.env,
        cwd=ROOT,
    )
    line = next(x for x in reversed(out.stdout.splitlines()) if x.startswith("MEMORY"))
    marks = json.loads(line.removeprefix("MEMORY "))
    statuses = marks["statuses"]
    counts = {s: statuses.count(s) for s in sorted(set(statuses))}
    outcome = ", ".join(f"{n} {s}" for s, n in counts.items())
    if marks["failed"]:
        outcome += f", {marks['failed']} records failed"
    return Peak(case.name, marks["ready"], marks["batches"], outcome)


def memory_size() -> int:
    """PublisherFunction's MemorySize in template.yaml."""
    text = (ROOT / "template.yaml").read_text(encoding="utf-8")
    match = re.search(r"^\s+MemorySize: (\d+)$", text, re.MULTILINE)
    assert match, "no MemorySize in template.yaml"
    return int(match[1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--fill", type=int, default=100, help="large articles the last case uploads"
    )
    args = parser.parse_args()
    site = Site()
    try:
        all_cases = cases()
        peaks = [measure(site, case) for case in all_cases]
        heaviest = max(range(1, len(peaks)), key=lambda n: peaks[n].worst)
        files = all_cases[heaviest].files
        batches = -(-args.fill // len(files))
        name = f"the heaviest, {batches} batches: feed and page full"
        peaks.append(measure(site, Case(name, files, batches)))
    finally:
        site.stop()
    report(peaks, args.fill)


def report(peaks: list[Peak], fill: int) -> None:
    print(f"python {sys.version.split()[0]}; peak RSS of the handler's process (VmHWM), MiB")
    print(f"{'batch of ten':<46} {'ready':>6} {'1st':>6} {'2nd':>6} {'last':>6}  outcome")
    for peak in peaks:
        first, second, last = peak.batches[0], peak.batches[1], peak.batches[-1]
        print(
            f"{peak.name:<46} {peak.ready:6.0f} {first:6.0f} {second:6.0f} {last:6.0f}"
            f"  {peak.outcome}"
        )
    one_batch = max(peaks[:-1], key=lambda p: p.worst)
    size = memory_size()
    print(f"command: {sys.executable} bench/memory.py --fill {fill}")
    print(f"heaviest two batches: {one_batch.name}, {one_batch.worst:.0f} MiB")
    print(
        f"ratio: peak with the feed and its open page full {peaks[-1].worst:.0f} MiB"
        f" / MemorySize {size} MB = {peaks[-1].worst * 1.048576 / size:.2f}"
    )


if __name__ == "__main__":
    main()
