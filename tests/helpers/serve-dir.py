#!/usr/bin/env python3
"""serve-dir.py DIR PORTFILE: serve DIR over HTTP on 127.0.0.1 (a free port, written to PORTFILE) for tests."""
import functools
import http.server
import sys

directory, portfile = sys.argv[1], sys.argv[2]
handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=directory)
server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
with open(portfile + ".tmp", "w") as f:
    f.write(str(server.server_address[1]))
import os
os.rename(portfile + ".tmp", portfile)
server.serve_forever()
