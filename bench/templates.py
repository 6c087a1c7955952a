"""Time and peak memory of follow-up template checks and renders: the built-in templates, and the
nasty templates of tests/followups/test_template_limits.py plus the worst shapes that fit the limits.

    .venv/bin/python bench/templates.py [--passes 5]

For each template: the save-time check (compile from a cold cache, then a render with short and with
the longest details) and one render for a contact, each the slowest of --passes runs; the peak memory
is measured once with tracemalloc (which slows Python, so it is not timed). Goal: every check and
render under 1 s and 6 MB. Exit status: 0 goal met, 1 missed.
"""
from __future__ import annotations

import argparse
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.followups.test_template_limits import NASTY  # noqa: E402
from webapp.followups import sandbox, templating  # noqa: E402

LONG = {name: "あ" * templating.LONGEST.get(name, 280) for name in templating.VARIABLES}
#: shapes that pass or nearly pass the limits, so they run as far as a template can
WORST = {
    "400 parts of output": "{% if my_name %}{{ conversation|truncate(4) }}{% endif %}" * 66,
    "depth 29": "{% if my_name %}" * 14 + "{{ (conversation ~ needs)|upper|truncate(50) }}" + "{% endif %}" * 14,
    "work budget spent in sets": "".join("{%% set v%d = conversation ~ needs ~ promise %%}" % n for n in range(60)),
    "the longest value, compared": "{% set x = conversation * 5 %}{% set y = x[::-1] %}"
                                   + "{% if x == y %}.{% endif %}{% if x in y %}.{% endif %}" * 20,
}


def slowest(fn, passes: int) -> float:
    worst = 0.0
    for _ in range(passes):
        templating._compiled.cache_clear()
        start = time.perf_counter()
        fn()
        worst = max(worst, time.perf_counter() - start)
    return worst


def peak(fn) -> int:
    templating._compiled.cache_clear()
    tracemalloc.start()
    try:
        fn()
    finally:
        top = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return top


def quietly(fn):
    def run():
        try:
            fn()
        except templating.TemplateProblem:
            pass
    return run


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--passes", type=int, default=5)
    args = parser.parse_args()
    cases = {f"built-in {locale}": templating.DEFAULTS[locale]["body"] for locale in templating.DEFAULTS}
    cases.update(NASTY)
    cases.update(WORST)
    ok = True
    print(f"{'template':45} {'check ms':>9} {'render ms':>9} {'peak MB':>8}  outcome")
    for name, body in cases.items():
        check = quietly(lambda: templating.check_template("件名", body))
        once = quietly(lambda: templating.render("件名", body, LONG))
        check_s, render_s = slowest(check, args.passes), slowest(once, args.passes)
        top = max(peak(check), peak(once))
        try:
            templating.check_template("件名", body)
            outcome = "accepted"
        except templating.TemplateProblem as exc:
            outcome = exc.reason[:60]
        ok &= check_s < sandbox.RENDER_SECONDS and render_s < sandbox.RENDER_SECONDS and top < 6 * 2**20
        print(f"{name[:45]:45} {check_s * 1000:9.1f} {render_s * 1000:9.1f} {top / 2**20:8.2f}  {outcome}")
    print("goal met" if ok else "goal MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
