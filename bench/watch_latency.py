#!/usr/bin/env python3
"""Time `sansho watch` from saving an edit to the end of its change report.

    bench/watch_latency.py target/release/sansho MODEL.yaml [EDITS]

Starts `sansho watch MODEL`, then EDITS times (default 7) changes one flow's volume in MODEL,
writes the file, and measures until watch has printed the change. Prints the median and the
range in milliseconds. The model file is restored afterwards.
"""
import statistics
import subprocess
import sys
import threading
import time
import queue


def main():
    sansho, model = sys.argv[1], sys.argv[2]
    edits = int(sys.argv[3]) if len(sys.argv) > 3 else 7
    original = open(model, encoding="utf-8").read()
    marker = "path: [clinic-0-term-0, clinic-0-lan, https, emr-app]}"
    if marker not in original:
        sys.exit("the model is not a generated hospital network (sansho generate)")
    proc = subprocess.Popen([sansho, "watch", model], stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, text=True, env={"NO_COLOR": "1", "PATH": ""})
    lines = queue.Queue()
    threading.Thread(target=lambda: [lines.put(l) for l in proc.stdout], daemon=True).start()

    def until(text):
        while True:
            line = lines.get(timeout=60)
            if text in line:
                return

    try:
        until("保存されるたびに再評価します")
        times = []
        for i in range(edits):
            # Alternate between a bulk and a normal volume for one flow: its risks change rank.
            edited = original.replace(marker, marker[:-1] + ", volume: bulk}") if i % 2 == 0 else original
            start = time.perf_counter()
            with open(model, "w", encoding="utf-8") as f:
                f.write(edited)
            until("が変更されました")
            until("情報流 ")
            times.append((time.perf_counter() - start) * 1000)
            time.sleep(0.3)
        print(f"{statistics.median(times):.0f} ms (min {min(times):.0f}, max {max(times):.0f}, {edits} edits)")
    finally:
        proc.kill()
        with open(model, "w", encoding="utf-8") as f:
            f.write(original)


if __name__ == "__main__":
    main()
