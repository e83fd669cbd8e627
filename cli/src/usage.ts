// The command line forms (a contract: keep them stable) and their help texts.
import { SERVER_DETAILS, SERVER_FORM } from "@mailseal/server/usage";

export const COMMANDS = [
  "encrypt",
  "decrypt",
  "sign",
  "verify",
  "account",
  "send",
  "read",
  "protect",
  "devices",
  "keys",
  "audit",
  "gateway",
  "server",
] as const;
export type CommandName = (typeof COMMANDS)[number];

export const FORMS: Record<CommandName, string> = {
  encrypt:
    "mailseal encrypt --recipient CERT.pem [--recipient CERT.pem ...] [--pq MLKEM-CERT.pem ...] [--cipher aes-256-cbc|aes-192-cbc|aes-128-cbc|aes-256-gcm|aes-128-gcm] [--key-transport rsa-pkcs1|rsa-oaep|rsa-oaep-sha256] [--in FILE] [--out FILE]",
  decrypt: "mailseal decrypt (--key KEY.pem [--cert CERT.pem] | --p12 FILE --pass-file FILE) [--in FILE] [--out FILE]",
  sign: "mailseal sign --key KEY.pem [--pass-file FILE] --cert CERT.pem [--certfile CHAIN.pem] [--opaque] [--pss] [--in FILE] [--out FILE]",
  verify: "mailseal verify --ca CA.pem [--certfile CERTS.pem] [--time EPOCH_SECONDS] [--in FILE] [--out FILE]",
  account:
    "mailseal account add ADDRESS --server URL [--home DIR] [--outbox DIR | --code CODE] [--password-file FILE] [--name NAME]",
  send: "mailseal send --to ADDRESS [--to ADDRESS ...] [--no-pq] [--home DIR] [--in FILE] [--out FILE]",
  read: "mailseal read [--home DIR] [--in FILE] [--out FILE] [--password-file FILE]",
  protect:
    "mailseal protect (--password-file FILE [--outbox DIR | --code CODE] | --remove [--password-file FILE]) [--home DIR]",
  devices: "mailseal devices [--remove ID] [--home DIR]",
  keys: "mailseal keys (rotate | pq on | pq off) [--home DIR]",
  audit: "mailseal audit [--home DIR]",
  gateway:
    "mailseal gateway --db URL --listen HOST:PORT --reinject HOST:PORT [--home DIR] [--max-size BYTES] [--trust-anchors FILE] [--ldap ldap://HOST[:PORT]/BASE [--ldap-timeout SECONDS]] | mailseal gateway policy [DOMAIN|ADDRESS never|possible|always|default] --db URL",
  server: SERVER_FORM,
};

const HOME = `  --home DIR           this device's folder: its device keys and one state file per account,
                       private (0700 / 0600). Default MAILSEAL_HOME, else ~/.mailseal`;

const ACCOUNT = `  --account ADDRESS    which account, when the home holds more than one`;

const DETAILS: Record<CommandName, string> = {
  encrypt: `Encrypts a whole RFC 5322 message: the outer header fields (From, To, Subject, Date, ...) are
kept, the MIME entity becomes application/pkcs7-mime (S/MIME 4.0, RFC 8551).

  --recipient CERT     a recipient's certificate, PEM or DER (repeat for each recipient; a file
                       may carry the chain, its one end-entity certificate is used); an ML-KEM
                       certificate gets a KEMRecipientInfo (RFC 9629)
  --pq CERT            a recipient's ML-KEM certificate beside their --recipient one (hybrid:
                       post-quantum readers use it, every other reader the classic one)
  --cipher NAME        aes-256-cbc (default: what every client reads), aes-192-cbc, aes-128-cbc,
                       aes-256-gcm, aes-128-gcm (AuthEnvelopedData: Thunderbird and gpgsm cannot read it)
  --key-transport NAME rsa-pkcs1 (default), rsa-oaep (SHA-1), rsa-oaep-sha256
  --in FILE            the message (default: standard input)
  --out FILE           the encrypted message (default: standard output)`,
  decrypt: `Decrypts an S/MIME message (application/pkcs7-mime, x-pkcs7-mime or an octet-stream smime.p7m)
and writes the inner MIME entity exactly as it was encrypted.

  --key KEY            RSA private key: PEM or DER, PKCS#8, PKCS#1 or encrypted PKCS#8 (with --pass-file);
                       or an EC key; or an ML-KEM key (PKCS#8, RFC 9935: seed, expanded or both)
  --cert CERT          the key's certificate(s); without it they are read from the key file.
                       The message's recipient is found by certificate (issuer and serial number)
  --p12 FILE           PKCS#12 file with the key and its certificate (with --pass-file)
  --pass-file FILE     password of the PKCS#12 file or the encrypted key (the file without its
                       final line break); else MAILSEAL_PASSWORD
  --in FILE            the message (default: standard input)
  --out FILE           the decrypted entity (default: standard output)

Nothing is released before the whole message has been checked (CBC padding, GCM tag): --out is
written to a temporary file renamed on success; standard output is held back until then.`,
  sign: `Signs a whole RFC 5322 message: the outer header fields are kept, the MIME entity is signed
(SHA-256, signingTime, SMIMECapabilities) as multipart/signed, readable without S/MIME.

  --key KEY            RSA private key: PEM or DER, PKCS#8, PKCS#1 or encrypted PKCS#8 (with --pass-file);
                       or an EC key (P-256/384/521, PKCS#8 or SEC 1), which signs with ECDSA;
                       or an ML-DSA-44/65/87 key (PKCS#8, RFC 9881), which signs with ML-DSA and SHA-512;
                       or an Ed25519 or Ed448 key (PKCS#8, RFC 8410), which signs with EdDSA and SHA-512
                       or SHAKE256 (RFC 8419)
  --pass-file FILE     password of an encrypted key (the file without its final line break);
                       else MAILSEAL_PASSWORD
  --cert CERT          the signer's certificate (the file may carry the chain too)
  --certfile CHAIN     intermediate certificates to include (repeatable)
  --opaque             application/pkcs7-mime signed-data instead of multipart/signed
  --pss                RSASSA-PSS (salt length = digest length) instead of PKCS#1 v1.5 (RSA keys)
  --in FILE            the message (default: standard input)
  --out FILE           the signed message (default: standard output)`,
  verify: `Verifies a signed message (multipart/signed or application/pkcs7-mime signed-data), validates the
signer's certificate to a given CA, writes the signed MIME entity exactly as signed, and prints the
signer and the signing time on standard error.

  --ca CA              trusted root certificate(s), PEM or DER (repeatable)
  --certfile CERTS     more certificates: the signer's if the message lacks it, intermediates (repeatable)
  --time SECONDS       validate the certificates at this time (seconds since 1970) instead of now
  --in FILE            the message (default: standard input)
  --out FILE           the signed entity (default: standard output)

Nothing is released before the signature and the certificate path have been checked.`,
  account: `Sets this device up for ADDRESS with the mailseal service: makes the device key, asks the service
to mail a challenge to ADDRESS, answers it, brings the account's keys here and gets a signing
certificate. Run it again to finish a setup that was interrupted (or to answer with --code).

  ADDRESS              the email address
  --server URL         the service (used unless the address's domain publishes its own)
${HOME}
  --outbox DIR         find the challenge mail in DIR (.eml files) instead of an inbox
  --code CODE          answer with the code from the challenge mail; without --outbox and --code
                       the code is asked on the terminal, else the command fails with CODE_REQUIRED
  --password-file FILE the key-protection password, if the account's keys are protected
                       (else MAILSEAL_PASSWORD, else asked on the terminal)
  --name NAME          the device's name in mailseal devices (default: the host name)`,
  send: `Signs an RFC 5322 message (its From must be an account of this device) with the device's signing
key and encrypts it to every recipient and to the sender (certificates from the service).

  --to ADDRESS         a recipient (repeat for each); one without a certificate is NO_CERTIFICATE
  --no-pq              RSA recipients only; by default a recipient (and the sender) whose directory
                       entry has an ML-KEM certificate also gets an ML-KEM recipient (the hybrid)
${HOME}
  --in FILE            the message (default: standard input)
  --out FILE           the S/MIME message (default: standard output)`,
  read: `Decrypts an S/MIME message with every key of this device's accounts, verifies its signature against
the service's root, writes the message as the sender wrote it and prints a status line on standard
error ("encrypted (aes-256-cbc); signed by alice@example.org", or why the signature is invalid).

${HOME}
  --in FILE            the message (default: standard input)
  --out FILE           the message (default: standard output), released only once checked
  --password-file FILE the key-protection password, needed when a protected key is not on this
                       device yet (else MAILSEAL_PASSWORD, else asked on the terminal)`,
  protect: `Turns enhanced protection on or off. With it, the account's keys are wrapped under a key only the
password rebuilds (OPAQUE: the service never learns the password): a new device needs the password
to read mail. A forgotten password loses every protected key: no one can recover them.

  --password-file FILE turn protection on with the password in FILE (its first line)
  --outbox DIR         a first password needs a fresh proof of the address (a challenge answered in
                       the last 10 minutes): find the new challenge mail in DIR
  --code CODE          or answer it with the code from that mail (else asked on the terminal)
  --remove             turn it off; the password from --password-file, else MAILSEAL_PASSWORD, else
                       the terminal
${ACCOUNT}
${HOME}`,
  devices: `Lists the account's devices, or removes one: its signing certificates are revoked and the
account's encryption key is replaced at once (the removed device held it); this device brings the
new key here, the others on their next refresh.

  --remove ID          the device to remove
${ACCOUNT}
${HOME}`,
  keys: `rotate: replaces the account's encryption key now (when a key may have got out). The new key
becomes current and is brought to this device; the old one stays in the history, so old mail stays
readable on every active device. The owner is told by mail.

pq on: post-quantum keys for the account (issue 15): the service makes an ML-KEM-768 key and
certificate beside the RSA one, now (a new key generation, as rotate) and at every rotation; the
directory publishes both, and senders add an ML-KEM recipient beside the RSA one, which mail clients
without ML-KEM skip. Both keys are brought to this device. pq off: back to RSA only (the ML-KEM keys
stay in the history for old mail).

${ACCOUNT}
${HOME}`,
  audit: `Lists every release of the account's keys as the share stores recorded it: when, which key and
share, to which device.

${ACCOUNT}
${HOME}`,
  gateway: `The organisation gateway: an SMTP content filter behind Postfix (README, "The organisation
gateway"). Mail from an account of the home is signed with that account's signing key and encrypted
when every recipient has a certificate (the policy decides); S/MIME to an account is decrypted and
delivered with an X-Mailseal header saying what was checked; anything else goes back unchanged.
Each account is set up as for any device: mailseal account add ADDRESS --home DIR --name gateway.

  --db URL             the api's database (sqlite:FILE or postgres://...): the policies
  --listen HOST:PORT   where Postfix's content_filter hands mail over
  --reinject HOST:PORT Postfix's smtpd that takes the processed mail back (no content filter there)
  --max-size BYTES     largest message taken (default 10240000, Postfix's default limit)
  --trust-anchors FILE PEM CAs besides the service's root: signatures of incoming mail are
                       trusted, and the senders' certificates learned for encryption, to these
  --ldap URL           a directory asked (mail=ADDRESS) for userCertificate;binary of recipients
                       CerDB and the learned certificates lack; each is checked before use
  --ldap-timeout SECONDS  how long one search may take (default 5; then the mail waits, 451)
${HOME}

policy: lists the policies, or sets one for a domain or an address (the address's wins):
never (sign only), possible (encrypt when every recipient has a certificate; the default),
always (refuse with 550 when one has none), default (remove the row).`,
  server: SERVER_DETAILS,
};

export function commandHelp(command: CommandName): string {
  return `usage: ${FORMS[command]}\n\n${DETAILS[command]}\n`;
}

export function mainHelp(version: string): string {
  return `mailseal ${version}: S/MIME for whole messages, offline; and the mailseal services

usage:
${COMMANDS.map((c) => `  ${FORMS[c]}`).join("\n")}
  mailseal COMMAND --help
  mailseal --version

Messages are read from standard input and written to standard output unless --in/--out are given.
Without --pass-file, the password of an encrypted key or PKCS#12 file is taken from MAILSEAL_PASSWORD;
never from the command line (--pass), which other users can see in the process list.
MAILSEAL_CLOCK_OFFSET (milliseconds) shifts the clock of the online commands (tests, drills).
Exit status 0 on success; 1 with "error CODE: message" on standard error for any failure (then no
output file is left behind); 2 for an internal error (MAILSEAL_DEBUG=1 prints its stack).
`;
}
