"""Starts the peers that are libraries rather than commands: bjoern and pyruvate.

    python serve_peer.py bjoern|pyruvate MODULE:CALLABLE PORT [THREADS]
"""
import importlib
import sys

kind, target, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
threads = int(sys.argv[4]) if len(sys.argv) > 4 else 16
module, name = target.split(":")
app = getattr(importlib.import_module(module), name)

if kind == "bjoern":
    import bjoern
    bjoern.run(app, "127.0.0.1", port)  # one process, one thread, libev
elif kind == "pyruvate":
    import pyruvate
    pyruvate.serve(app, f"127.0.0.1:{port}", threads)
else:
    sys.exit(f"unknown peer {kind}")
