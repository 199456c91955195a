#!/usr/bin/env python3
"""framing.py PORT CASE: one raw-socket attack on HTTP/1.1 framing against 127.0.0.1:PORT.
Prints key=value figures for the shell to check:
  statuses  the status codes of every response read on the connection, comma-separated
  closed    1 if the server closed the connection (EOF) within the wait, else 0
A request smuggled into a body would show as a second status."""
import re, socket, sys, time

port, case = int(sys.argv[1]), sys.argv[2]
SMUGGLED = b"GET /smuggled-path HTTP/1.1\r\nHost: x\r\n\r\n"


def chunked(data):
    return b"%x\r\n%s\r\n0\r\n\r\n" % (len(data), data)


cases = {
    # a body in chunks that holds a request: read as the body, never as a request
    "te": b"GET / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n" + chunked(SMUGGLED),
    # Content-Length and Transfer-Encoding together: refused, the connection closed
    "cl_te": b"GET / HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\nTransfer-Encoding: chunked\r\n\r\n"
    % len(chunked(SMUGGLED)) + chunked(SMUGGLED),
    # two lengths that disagree
    "cl_cl": b"GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nContent-Length: %d\r\n\r\n" % len(SMUGGLED)
    + SMUGGLED,
    # a body with a length, holding a request: read and dropped
    "cl_body": b"GET / HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n" % len(SMUGGLED) + SMUGGLED,
    # a body bigger than any page takes: refused, and its bytes never read as requests
    "big_body": b"GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 200000\r\n\r\n" + SMUGGLED * (200000 // len(SMUGGLED) + 1),
    # HTTP/2 with prior knowledge (the preface, then a SETTINGS frame), and a request after it:
    # ssrd speaks HTTP/1.1 only (README: HTTP/1.1 only), so one refusal and the connection closed
    "h2_preface": b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" + b"\x00\x00\x00\x04\x00\x00\x00\x00\x00" + SMUGGLED,
    # two requests in one write: two answers, in order
    "pipeline": b"GET / HTTP/1.1\r\nHost: x\r\n\r\nGET /about HTTP/1.1\r\nHost: x\r\n\r\n",
    # half a head, then nothing: the header timeout closes it
    "half": b"GET / HTTP/1.1\r\nHost: x\r\nX-Slow: ",
    # one answer, then nothing: the idle timeout closes it
    "idle": b"GET / HTTP/1.1\r\nHost: x\r\n\r\n",
}
wait = float(sys.argv[3]) if len(sys.argv) > 3 else 2.0

s = socket.create_connection(("127.0.0.1", port))
try:
    s.sendall(cases[case])
except OSError:
    pass  # the server may refuse before it has read all of a big body
s.settimeout(0.2)
got, closed, end = b"", 0, time.time() + wait
while time.time() < end:
    try:
        b = s.recv(65536)
    except socket.timeout:
        continue
    except OSError:
        closed = 1
        break
    if not b:
        closed = 1
        break
    got += b
statuses = [m.decode() for m in re.findall(rb"HTTP/1\.1 (\d{3}) ", got)]
print(f"statuses={','.join(statuses)} closed={closed}")
