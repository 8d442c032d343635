#!/usr/bin/python3
"""A real SMTP peer for the tests: accepts every message on 127.0.0.1:PORT and writes it,
as received, to DIR/<time>-<recipient>.eml. Run with Debian's python3 (package python3-aiosmtpd)."""
import os
import signal
import sys
import threading
import time

from aiosmtpd.controller import Controller


class Capture:
    def __init__(self, directory):
        self.directory = directory
        self.count = 0

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        for rcpt in envelope.rcpt_tos:
            name = f"{time.time_ns()}-{self.count}-{rcpt.replace('/', '_')}.eml"
            tmp = os.path.join(self.directory, "." + name)
            with open(tmp, "wb") as f:
                f.write(envelope.original_content or envelope.content)
            os.rename(tmp, os.path.join(self.directory, name))
        return "250 Message accepted"


def main():
    port, directory = int(sys.argv[1]), sys.argv[2]
    os.makedirs(directory, exist_ok=True)
    controller = Controller(Capture(directory), hostname="127.0.0.1", port=port)
    controller.start()
    print(f"smtp capture on 127.0.0.1:{port} -> {directory}", flush=True)
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    signal.signal(signal.SIGINT, lambda *_: done.set())
    done.wait()
    controller.stop()


if __name__ == "__main__":
    main()
