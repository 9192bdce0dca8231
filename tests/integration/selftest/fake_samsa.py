"""A stand-in for the samsa binary that is not a broker: it parses the same command line,
listens on the configured port and answers only ApiVersions v0. The harness self-test
uses it to check start/ready/stop/restart/kill -9/cleanup without a real broker.

FAKE_SAMSA_MODE=exit makes it exit at once with code 3; =hang ignores SIGTERM.
"""
import os
import signal
import socket
import struct
import sys


def main():
    args = sys.argv[1:]
    assert args[0] == "serve", args
    overrides = {}
    for i, a in enumerate(args):
        if a == "--override":
            k, _, v = args[i + 1].partition("=")
            overrides[k] = v
    mode = os.environ.get("FAKE_SAMSA_MODE", "")
    print(f"fake samsa starting with {overrides}", flush=True)
    if mode == "exit":
        sys.exit(3)
    if mode == "hang":
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
    else:
        signal.signal(signal.SIGTERM, lambda *_: (print("fake samsa: SIGTERM", flush=True),
                                                 sys.exit(0)))
    host_port = overrides["listeners"].split("://", 1)[1]
    host, port = host_port.rsplit(":", 1)
    os.makedirs(overrides["log.dirs"], exist_ok=True)
    srv = socket.socket()
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind((host, int(port)))
    srv.listen()
    while True:
        conn, _ = srv.accept()
        with conn:
            size = struct.unpack(">i", conn.recv(4))[0]
            req = b""
            while len(req) < size:
                req += conn.recv(size - len(req))
            api_key, version, corr = struct.unpack_from(">hhi", req)
            if api_key == 18 and version == 0:
                body = struct.pack(">ihi", corr, 0, 2) + struct.pack(">hhh", 0, 0, 9) + \
                    struct.pack(">hhh", 18, 0, 3)
                conn.sendall(struct.pack(">i", len(body)) + body)


if __name__ == "__main__":
    main()
