#!/usr/bin/python3
"""silent_server.py PORTFILE -- a server on 127.0.0.1 that accepts every
connection and never says a word: a print server (CUPS, SFTP) that hangs.
Writes its port to PORTFILE and keeps the connections open for at most two
minutes, then ends by itself."""
import socket
import sys
import time

s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(16)
with open(sys.argv[1], "w") as f:
    f.write(str(s.getsockname()[1]))
held = []
end = time.time() + 120
s.settimeout(1)
while time.time() < end:
    try:
        held.append(s.accept()[0])
    except OSError:
        pass
