"""A real SMTP server for tests: receives mail on 127.0.0.1 and writes each message to DIR.

usage: python3 smtp-receiver.py DIR
Prints "port N" once listening. Each message becomes DIR/N.eml (the DATA bytes as received) and
DIR/N.json ({"from": ..., "to": [...]}, the envelope), the .json written last.
Python 3.11's smtpd (RFC 5321; deprecated, removed in 3.12), so no package is needed.
"""
import json
import os
import sys
import warnings

warnings.filterwarnings("ignore", category=DeprecationWarning)
import asyncore  # noqa: E402
import smtpd  # noqa: E402


class Receiver(smtpd.SMTPServer):
    count = 0

    def process_message(self, peer, mailfrom, rcpttos, data, **kwargs):
        Receiver.count += 1
        base = os.path.join(sys.argv[1], str(Receiver.count))
        with open(base + ".eml", "wb") as f:
            f.write(data)
        with open(base + ".json.tmp", "w") as f:
            json.dump({"from": mailfrom, "to": rcpttos}, f)
        os.rename(base + ".json.tmp", base + ".json")


server = Receiver(("127.0.0.1", 0), None, decode_data=False)
print("port", server.socket.getsockname()[1], flush=True)
asyncore.loop()
