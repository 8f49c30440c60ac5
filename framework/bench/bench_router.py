"""How fast does wsgi_framework's Router match paths, next to werkzeug's Map?

    .venv/bin/python framework/bench/bench_router.py [--rounds N]

Both get the same 100 rules (static, int, string, path and float
placeholders, several methods) and match the same mix of paths (mostly
hits, some 404s and 405s). Each side's time is the best of a few rounds
measured in this one run, and the script prints the ratio. It is a
benchmark, not a test: nothing fails when the number is low.
"""

from __future__ import annotations

import argparse
import random
import time

from werkzeug.exceptions import HTTPException
from werkzeug.routing import Map, Rule

from wsgi_framework import Router


def rules() -> list[tuple[str, str, list[str]]]:
    """100 rules in 20 sections of 5, like a mid-sized app's URL map."""
    table = []
    for i in range(20):
        s = f"section{i}"
        table += [
            (f"/{s}/", f"{s}.index", ["GET"]),
            (f"/{s}/items/<int:item_id>", f"{s}.item", ["GET", "PUT", "DELETE"]),
            (f"/{s}/users/<name>/posts/<int:post>", f"{s}.post", ["GET"]),
            (f"/{s}/files/<path:rest>", f"{s}.files", ["GET"]),
            (f"/{s}/prices/<float:amount>/convert", f"{s}.price", ["GET", "POST"]),
        ]
    assert len(table) == 100
    return table


def paths(count: int, seed: int = 7) -> list[tuple[str, str]]:
    rng = random.Random(seed)
    out = []
    for _ in range(count):
        s = f"section{rng.randrange(20)}"
        kind = rng.randrange(12)
        if kind == 0:
            out.append((f"/{s}/", "GET"))
        elif kind <= 3:
            out.append((f"/{s}/items/{rng.randrange(10**6)}", rng.choice(["GET", "PUT"])))
        elif kind <= 5:
            out.append((f"/{s}/users/user{rng.randrange(1000)}/posts/{rng.randrange(100)}", "GET"))
        elif kind <= 7:
            out.append((f"/{s}/files/{'/'.join(f'd{rng.randrange(9)}' for _ in range(rng.randint(1, 4)))}.txt", "GET"))
        elif kind == 8:
            out.append((f"/{s}/prices/{rng.randrange(1000)}.{rng.randrange(100):02d}/convert", "POST"))
        elif kind == 9:
            out.append((f"/{s}/items/{rng.randrange(100)}", "PATCH"))  # 405
        elif kind == 10:
            out.append((f"/{s}/nothing/here", "GET"))  # 404
        else:
            out.append((f"/unknown{rng.randrange(100)}/x", "GET"))  # 404
    return out


def time_best(function, rounds: int) -> float:
    best = float("inf")
    for _ in range(rounds):
        started = time.perf_counter()
        function()
        best = min(best, time.perf_counter() - started)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--paths", type=int, default=20_000, help="paths matched per round")
    parser.add_argument("--rounds", type=int, default=5, help="rounds per side (the best counts)")
    args = parser.parse_args()

    table = rules()
    ours = Router()
    for rule, endpoint, methods in table:
        ours.add(rule, endpoint, methods)
    adapter = Map([Rule(rule, endpoint=endpoint, methods=methods) for rule, endpoint, methods in table]).bind("bench.test")
    sample = paths(args.paths)

    # Both must agree before their speed means anything.
    for path, method in sample[:2000]:
        found = ours.match(path, method)
        try:
            endpoint, values = adapter.match(path, method)
            assert (found.status, found.endpoint, found.values) == (200, endpoint, values), (path, found)
        except HTTPException as error:
            assert found.status == error.code, (path, method, found, error)

    def run_ours() -> None:
        match = ours.match
        for path, method in sample:
            match(path, method)

    def run_werkzeug() -> None:
        match = adapter.match
        for path, method in sample:
            try:
                match(path, method)
            except HTTPException:
                pass

    run_ours()
    run_werkzeug()  # warm up (werkzeug compiles its state machine on first use)
    ours_time = time_best(run_ours, args.rounds)
    werkzeug_time = time_best(run_werkzeug, args.rounds)
    per = lambda seconds: seconds / len(sample) * 1e6  # noqa: E731
    print(f"100 rules, {len(sample)} paths per round, best of {args.rounds} rounds")
    print(f"  wsgi_framework.Router.match : {per(ours_time):6.2f} us per match")
    print(f"  werkzeug Map adapter.match  : {per(werkzeug_time):6.2f} us per match")
    print(f"  ratio: wsgi_framework is {werkzeug_time / ours_time:.1f}x faster (target: at least 5x)")


if __name__ == "__main__":
    main()
