// The command line of `mailseal server` (a contract: keep it stable) and its help text. No imports,
// so that the mailseal command can show it without loading the server.

export const SERVER_FORM =
  "mailseal server [--data DIR] [--host 127.0.0.1] [--port N] [--db sqlite:FILE|postgres://...] [--hsm soft|pkcs11:LIBRARY?slot=N|token=LABEL] [--hsm-pin-file FILE] [--outbox DIR | --smtp URL] [--role api,share-a,share-b,ldap] [--ldap-port N] [--ldap-base-dn DN] [--ldap-tls-cert PEM --ldap-tls-key PEM] [--key-bits N] [--domain D ...] [--profile private|public-trust] [--public-url URL] [--ticket-key-thumbprint T] [--dev]";

export const SERVER_DETAILS = `Runs the mailseal services: the api (address proof, keys, certificates, CA) and the two key-share
stores (docs/services.md). Run each role on its own process and machine; all three in one process
(the default --role) is a development or demo system and needs --dev.

  --data DIR           data directory (default ./mailseal-data): one 0700 folder per role (DATA/api,
                       DATA/share-a, DATA/share-b) with its soft-HSM keys and SQLite file; outbox.
                       A folder of the earlier single-folder layout is moved into these on start
  --host HOST          address to listen on (default 127.0.0.1)
  --port N             the api's port (default 7400); share-a and share-b listen on N+1 and N+2;
                       0: every listener takes a free port
  --db URL             sqlite:FILE (default DATA/ROLE/ROLE.sqlite; with FILE the stores use
                       FILE-share-a.sqlite and FILE-share-b.sqlite) or postgres://USER@HOST/NAME (the stores use NAME_share_a
                       and NAME_share_b, created when missing)
  --hsm SPEC           soft (default) or pkcs11:LIBRARY?slot=N|token=LABEL[&pin-env=NAME]; the PIN
                       never on the command line: --hsm-pin-file, MAILSEAL_HSM_PIN or pin-env=NAME
  --hsm-pin-file FILE  the PKCS#11 PIN (the file without its final line break)
  --outbox DIR         write outgoing mail as .eml files to DIR (default DATA/outbox)
  --smtp URL           send outgoing mail through smtp://[USER:PASS@]HOST[:PORT] or smtps://...
  --mail-from ADDR     From address of outgoing mail (default mailseal@ the first --domain, or localhost)
  --role LIST          the roles to run: api, share-a, share-b, ldap, comma-separated (default all
                       four; more than one of the first three needs --dev). ldap: CerDB read-only
                       over LDAPv3 for mail clients without the add-in (reads the api's database)
  --ldap-port N        the LDAP door's port (default 7389; N+3 with --port N; 0 with --port 0)
  --ldap-base-dn DN    the DN its entries live under (default o=mailseal): mail=ADDRESS,DN
  --ldap-tls-cert PEM  certificate chain and key (PEM files) for StartTLS; without them StartTLS
  --ldap-tls-key PEM   is refused
  --ticket-key-thumbprint T
                       a share store run apart: the RFC 7638 thumbprint of the api's ticket key
                       (the api logs it at start as ticketKeyThumbprint); a fetched key of another
                       thumbprint is refused. Required for a store without the api, unless --dev
  --dev                a development or demo system: allows several roles in one process and a
                       store without --ticket-key-thumbprint (npm start passes it)
  --key-bits N         RSA size of new encryption keys: 2048, 3072 (default) or 4096
  --domain D           serve only this domain (repeatable; enterprise mode). Default: every domain
  --oidc-issuer "ISSUER audience=A[,B] [jwks=URL]"
                       take an OpenID Connect token of this issuer (its iss, exactly) for these
                       audiences as proof of an address at enrolment (repeatable; https, or http
                       to this machine). The keys from jwks=URL, else from its discovery document
  --profile NAME       certificate profile: private (default) or public-trust
  --public-url URL     base URL the api advertises (default http://HOST:PORT)
  --share-a-url URL    base URL of share store A when another process runs it (also -b)
  --share-b-url URL
  --trust-proxy SPEC   true, a hop count, or proxy addresses/CIDRs whose X-Forwarded-For is believed
  --log-level LEVEL    fatal, error, warn, info (default), debug, trace, silent
  --rate-limit NAME=N  raise or lower a request limit (repeatable): enrollmentsPerIpPerHour (30),
                       enrollmentsPerAddressPerHour (5, per network), authPerIpPerMinute (60),
                       certsPerIpPerMinute (300 addresses looked up, per network),
                       releasesPerIpPerMinute (60; share stores: twice it)
  --pending-stale S    seconds after which a key another api node left half made is rolled back
                       (default 120); a node's own leftovers from before a restart go at once
  --rotate-before D    days before an encryption certificate expires that its key is rotated
                       (default 30); old keys stay available for decryption
  --roll-ca-root       roll the CA's root over at start (a new root key, a link certificate signed
                       by the old root that devices check, the issuing CA certified anew): once, on
                       one api node; restart the other api nodes afterwards

Prints one line per listener on standard output ("api http://127.0.0.1:7400", "ldap ldap://127.0.0.1:7389"), logs JSON lines on
standard error, and stops cleanly on SIGINT or SIGTERM (exit status 0). MAILSEAL_CLOCK_OFFSET
(milliseconds, may be negative) shifts the server's clock, for tests and drills.`;

export function serverHelp(): string {
  return `usage: ${SERVER_FORM}\n\n${SERVER_DETAILS}\n`;
}
