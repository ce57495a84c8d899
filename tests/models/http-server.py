#!/usr/bin/env python3
"""http-server.py: the local HTTP server the fetch tests download from.

Usage: http-server.py ROOT PORT_FILE LOG_FILE

Serves the folder ROOT on 127.0.0.1, on a free port it writes into
PORT_FILE once it listens, and logs the path of every request to LOG_FILE.
The first part of a path says how the server behaves; the rest is the file
under ROOT:

  /files/X        X as it is (404 if it is not there)
  /redirect/X     302 to /files/X
  /drop/X         the headers of X with its full length, the first half of
                  its bytes, then the connection closes
  /stall/X        the headers and the first 64 KiB of X, then nothing
  /stall-head/X   nothing at all: the connection is accepted, never answered
  /endless/X      X's bytes with no Content-Length, then zeros without end
  /trickle/X      the headers of X, then its bytes at 2 a second
  /slow/X         X as it is, after a pause of SLOW_SECONDS
  /redirect-ftp/X 302 to ftp://127.0.0.1:9/X

Standard library only.
"""

import http.server
import os
import socket
import sys
import time

STALL_SECONDS = 600
SLOW_SECONDS = 0.05


class Handler(http.server.SimpleHTTPRequestHandler):
    log_file = None

    def log_message(self, format, *args):
        pass

    def end_headers(self):
        # HTTP/1.0 without keep-alive: said, so that no client reuses a
        # connection the server is closing.
        self.send_header('Connection', 'close')
        super().end_headers()

    def do_GET(self):
        with open(Handler.log_file, 'a') as log:
            log.write(self.path + '\n')
        kind, _, rest = self.path.lstrip('/').partition('/')
        rest = '/' + rest
        if kind == 'files':
            self.path = rest
            super().do_GET()
        elif kind == 'redirect':
            self.send_response(302)
            self.send_header('Location', '/files' + rest)
            self.send_header('Content-Length', '0')
            self.end_headers()
        elif kind == 'redirect-ftp':
            self.send_response(302)
            self.send_header('Location', 'ftp://127.0.0.1:9' + rest)
            self.send_header('Content-Length', '0')
            self.end_headers()
        elif kind == 'slow':
            time.sleep(SLOW_SECONDS)
            self.path = rest
            super().do_GET()
        elif kind in ('drop', 'stall', 'endless', 'trickle'):
            self.send_part(self.translate_path(rest), kind)
        elif kind == 'stall-head':
            time.sleep(STALL_SECONDS)
        else:
            self.send_error(404)

    def send_part(self, path, kind):
        try:
            with open(path, 'rb') as f:
                data = f.read()
        except OSError:
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header('Content-Type', 'application/octet-stream')
        if kind != 'endless':
            self.send_header('Content-Length', str(len(data)))
        self.end_headers()
        try:
            if kind == 'endless':
                self.wfile.write(data)
                while True:
                    self.wfile.write(bytes(65536))
            if kind == 'trickle':
                for i in range(0, len(data), 2):
                    self.wfile.write(data[i:i + 2])
                    self.wfile.flush()
                    time.sleep(1)
                return
        except OSError:
            return  # the client gave up
        self.wfile.write(data[:len(data) // 2 if kind == 'drop' else 65536])
        self.wfile.flush()
        if kind == 'stall':
            time.sleep(STALL_SECONDS)
        self.close_connection = True
        self.connection.shutdown(socket.SHUT_RDWR)


def main():
    root, port_file, log_file = map(os.path.abspath, sys.argv[1:4])
    Handler.log_file = log_file
    os.chdir(root)
    server = http.server.ThreadingHTTPServer(('127.0.0.1', 0), Handler)
    server.daemon_threads = True
    with open(port_file + '.tmp', 'w') as f:
        f.write('%d\n' % server.server_address[1])
    os.rename(port_file + '.tmp', port_file)
    server.serve_forever()


if __name__ == '__main__':
    main()
