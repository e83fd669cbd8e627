#!/usr/bin/env bash
# Makes sure the Debian packages the test suites need are installed. Idempotent and quick when they
# are: it only asks dpkg. As root it installs what is missing; otherwise it prints the exact command.
set -euo pipefail

# package -> why the tests need it
packages=(
  chromium       # browser suites: the core in a real Web Worker (core-wasm/test/browser.test.ts), the Thunderbird add-in's state store, the Outlook panes
  openssl        # interop and key fixtures: `openssl cms`, the test PKI (test/interop/peers)
  libnss3-tools  # interop: NSS `cmsutil`, `certutil`, `pk12util` (the CMS library Thunderbird uses)
  gpgsm          # interop: GnuPG's S/MIME tool
  gpg-agent      # interop: gpgsm keeps private keys in the agent; also `gpg-protect-tool` for PKCS#12 import
  dirmngr        # gpgsm's certificate lookups and CRL fetches: the LDAP door found by gpgsm (test/services/ldap-e2e.test.ts)
  time           # the CLI memory test reads peak RSS from `/usr/bin/time -f %M`
  python3        # the SMTP server of the services' and add-in's tests (test/support/smtp-receiver.py: smtpd, Python 3.11)
  postgresql     # services on PostgreSQL: the tests start a throwaway cluster (initdb/pg_ctl in a temp folder)
  softhsm2       # the PKCS#11 HSM backend, tested on a SoftHSM2 token initialised into a temp folder
  zip            # packs the Thunderbird add-in into its .xpi (addin-thunderbird/scripts/build.mjs; it falls back to node:zlib)
  thunderbird    # the add-in's end-to-end suite drives a real headless Thunderbird (test/thunderbird)
  dovecot-imapd  # ... which reads its mail over IMAP from a throwaway Dovecot (test/thunderbird/harness/dovecot.ts)
  postfix        # the organisation gateway behind a real Postfix started by the tests on loopback ports (test/services/gateway-e2e.test.ts)
  ldap-utils     # the LDAP door of CerDB driven by OpenLDAP's own clients: ldapsearch, ldapadd, ldapdelete (server/test/ldap.test.ts)
  xvfb           # the add-in's visual run: Thunderbird draws real windows on a virtual X display (test/thunderbird/visual.test.ts)
  matchbox-window-manager # ... a window manager there (without one Thunderbird leaves a second window unpainted)
  x11-apps       # ... `xwd` reads the screen
  netpbm         # ... `xwdtopnm | pnmtopng` turns it into the PNG screenshots
  libsecret-tools # `secret-tool`: the command keeps its home's key in the Secret Service (test/services/secret-store-e2e.test.ts)
  gnome-keyring  # ... a real Secret Service for that test (gnome-keyring-daemon --unlock --components=secrets)
  dbus           # ... on a throwaway session bus (dbus-run-session)
)

missing=()
for pkg in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$pkg")
done

if [[ ${#missing[@]} -eq 0 ]]; then
  exit 0
fi

if [[ $(id -u) -ne 0 ]]; then
  echo "Missing system packages for the tests. Install them with:" >&2
  echo "  sudo apt-get update && sudo apt-get install -y --no-install-recommends ${missing[*]}" >&2
  exit 1
fi

echo "Installing system packages for the tests: ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
# Postfix installed as "No configuration": no /etc/postfix/main.cf, so no system Postfix starts on
# port 25; the gateway's tests run their own instance with its own config and queue folders.
echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
