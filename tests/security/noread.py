#!/usr/bin/env python3
"""noread.py PORT PATH N SECONDS PID: opens N connections that each send a GET for PATH and then
read nothing (a 4 KiB receive buffer), holds them SECONDS while sampling the daemon's RSS (PID)
every 0.2 s, then reads what each one got until EOF. Prints one line of key=value figures:
rss_before, rss_peak (MiB), closed (connections the daemon had closed: EOF without the end of
the reply) and complete (connections that got the whole reply)."""
import socket, sys, time

port, path, n, seconds, pid = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), float(sys.argv[4]), int(sys.argv[5])


def rss():
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS"):
                return int(line.split()[1]) // 1024
    return 0


before = rss()
socks = []
for _ in range(n):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.connect(("127.0.0.1", port))
    s.sendall(f"GET {path} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
    socks.append(s)
peak = before
end = time.time() + seconds
while time.time() < end:
    peak = max(peak, rss())
    time.sleep(0.2)
closed = complete = 0
for s in socks:
    s.settimeout(5)
    got = b""
    try:
        while True:
            b = s.recv(1 << 20)
            if not b:
                break
            got += b
    except OSError:
        pass
    head, _, body = got.partition(b"\r\n\r\n")
    chunked = b"chunked" in head.lower()
    whole = body.endswith(b"0\r\n\r\n") if chunked else (b"content-length" in head.lower() and len(body) > 0 and body.rstrip().endswith(b"</html>"))
    complete += whole
    closed += not whole
    s.close()
print(f"rss_before={before} rss_peak={peak} closed={closed} complete={complete}")
