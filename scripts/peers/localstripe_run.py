#!/usr/bin/env python3
"""Runs localstripe (a fake Stripe API) on loopback only, for the Stripe adapter's contract tests.

Why not the `localstripe` command itself: it binds every interface (`::`), and it loads and saves its whole state
in one fixed file in the system temp directory, so parallel or successive runs leak data into each other. This
launcher binds 127.0.0.1, keeps state in memory (or in a file of the caller's choosing), and prints the URL it
listens on as the first line of stdout:

    LOCALSTRIPE_URL=http://127.0.0.1:<port>

Usage: python localstripe_run.py [--port N] [--state FILE] [--access-log]
  --port 0 (the default) lets the kernel pick a free port, so concurrent test runs never collide.
  --state FILE loads FILE if present and saves to it after every write; without it nothing touches the disk.
The process exits when its stdin reaches end-of-file, so a test harness that dies (and so closes the pipe)
never leaves a server behind. Run it with stdin from a terminal or a pipe you keep open; `< /dev/null` stops it.
"""

import argparse
import logging
import os
import pickle
import socket
import sys
import threading

from aiohttp import web

import localstripe.resources as resources
from localstripe.server import app


def keep_state(path):
    """Points localstripe's persistence at `path`, or switches it off when `path` is None."""
    if path is None:
        resources.Store.dump_to_disk = lambda self: None
        return

    def dump(self):
        with open(path, 'wb') as f:
            pickle.dump(self, f, protocol=pickle.HIGHEST_PROTOCOL)

    resources.Store.dump_to_disk = dump
    if os.path.exists(path):
        with open(path, 'rb') as f:
            resources.store.update(pickle.load(f))


def exit_when_stdin_closes():
    """Ends the process once the parent closes our stdin (on purpose or by dying)."""
    def watch():
        while sys.stdin.buffer.read(4096):
            pass
        # os._exit: the aiohttp loop owns the main thread, and a normal exit would wait for it.
        os._exit(0)

    threading.Thread(target=watch, daemon=True).start()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--port', type=int, default=0)
    parser.add_argument('--state', default=None)
    parser.add_argument('--access-log', action='store_true')
    args = parser.parse_args()

    keep_state(args.state)

    # Bound and listening before aiohttp takes over, so that the real port can be announced first; connections
    # that arrive before serving starts wait in the listen backlog instead of being refused.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(('127.0.0.1', args.port))
    sock.listen(128)
    print('LOCALSTRIPE_URL=http://127.0.0.1:%d' % sock.getsockname()[1], flush=True)

    exit_when_stdin_closes()

    access_log = None
    if args.access_log:
        access_log = logging.getLogger('aiohttp.access')
        access_log.setLevel(logging.DEBUG)
        access_log.addHandler(logging.StreamHandler())
    # Webhook delivery failures are logged by localstripe at INFO; keep them visible on stderr.
    logging.basicConfig(level=logging.INFO, stream=sys.stderr)
    web.run_app(app, sock=sock, access_log=access_log, print=None)


if __name__ == '__main__':
    main()
