"""A real SMTP server for tests: receives mail on 127.0.0.1 and writes each message to DIR.

usage: python3 smtp-receiver.py DIR [MAILDIRS]
Prints "port N" once listening. Each message becomes DIR/N.eml (the DATA bytes as received) and
DIR/N.json ({"from": ..., "to": [...]}, the envelope), the .json written last (after delivery).
With MAILDIRS it also delivers: for each recipient local@domain whose MAILDIRS/local/ exists (a
Maildir, as Dovecot keeps an INBOX), the message is written into its tmp/ and renamed into new/
(atomic, as the Maildir convention asks), owned by the owner of that folder.
Python 3.11's smtpd (RFC 5321; deprecated, removed in 3.12), so no package is needed.
"""
import json
import os
import sys
import time
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
        if len(sys.argv) > 2:
            for index, rcpt in enumerate(rcpttos):
                deliver(sys.argv[2], rcpt, data, index)
        # Last: a waiter that sees N.json knows the mail is kept and delivered.
        with open(base + ".json.tmp", "w") as f:
            json.dump({"from": mailfrom, "to": rcpttos}, f)
        os.rename(base + ".json.tmp", base + ".json")


def deliver(root, rcpt, data, index):
    box = os.path.join(root, rcpt.split("@")[0].lower())
    if not os.path.isdir(os.path.join(box, "new")):
        return
    # Maildir file names: time.unique.host; message count and recipient index keep them unique here.
    name = "%d.M%dR%dP%d.mailseal-test" % (int(time.time()), Receiver.count, index, os.getpid())
    owner = os.stat(box)
    tmp = os.path.join(box, "tmp", name)
    # Maildir (and IMAP) keep CRLF line ends as they came; smtpd hands the DATA bytes over as received.
    with open(tmp, "wb") as f:
        f.write(data)
    os.chown(tmp, owner.st_uid, owner.st_gid)
    os.rename(tmp, os.path.join(box, "new", name))


server = Receiver(("127.0.0.1", 0), None, decode_data=False)
print("port", server.socket.getsockname()[1], flush=True)
asyncore.loop()
