// The background side of the add-in's page (options.html): on install it opens the page, which lists
// each mail identity with a "Set up" button; every request of the page runs here, through the same
// functions the rest of the add-in uses (setUpIdentity; shared/src/mailflow's ServiceClient,
// enableProtection and disableProtection): the page itself holds no keys.
import {
  certificateFromWire,
  disableProtection,
  enableProtection,
  normalizeAccountAddress,
  openAccount,
  proveAddress,
  type StateStore,
} from "@mailseal/shared";
import { InboxChallengeMailbox } from "../host/challenge-mailbox.js";
import { mailflowHost } from "../host/mailflow-host.js";
import { errorCode, plainError } from "@mailseal/engine/view";
import { UI_PORT, type CertificateView, type IdentityDetails, type UiAnswer, type UiRequest } from "../ui/protocol.js";
import { WAITING_NOTIFICATION } from "./notify.js";
import { keysWaitingForPassword, refreshAccount } from "./refresh.js";
import { offeredIdentities, setUpIdentity } from "./setup.js";

export const UI_PAGE = "options.html";

/**
 * Opens the page in a tab (options_ui.open_in_tab), or shows the tab already open: openOptionsPage
 * does both and needs no "tabs" permission (finding our tab by URL with tabs.query would).
 */
export async function openUiPage(): Promise<void> {
  await messenger.runtime.openOptionsPage();
}

async function details(store: StateStore, address: string): Promise<IdentityDetails> {
  const offer = (await offeredIdentities(store)).find((o) => o.address.toLowerCase() === address.toLowerCase());
  if (offer === undefined) throw new Error(`no mail account of this Thunderbird has the identity ${address}`);
  const state = await store.load(normalizeAccountAddress(address));
  const certificates: CertificateView[] = (state?.keys ?? []).map((key) => {
    const certificate = certificateFromWire(key.certificate);
    return {
      keyId: key.keyId,
      status: key.status,
      protection: key.protection,
      notBefore: certificate.notBefore.toISOString(),
      notAfter: certificate.notAfter.toISOString(),
      serialHex: certificate.serialHex,
    };
  });
  certificates.sort((a, b) =>
    a.status !== b.status ? (a.status === "current" ? -1 : 1) : b.notBefore.localeCompare(a.notBefore),
  );
  const result: IdentityDetails = {
    address: offer.address,
    state: offer.state,
    certificates,
    protection: (state?.keys ?? []).some((k) => k.protection !== "none"),
    waitingForPassword: state === undefined ? 0 : keysWaitingForPassword(state).length,
  };
  if (state?.signing !== undefined) {
    const signing = certificateFromWire(state.signing.certificate);
    result.signing = { notBefore: signing.notBefore.toISOString(), notAfter: signing.notAfter.toISOString() };
  }
  if (offer.state === "ready") {
    try {
      const { client } = await openAccount(await mailflowHost(store), address);
      result.devices = await client.listDevices();
    } catch (error) {
      result.devicesError = plainError(error);
    }
  }
  return result;
}

async function handle(
  store: StateStore,
  request: UiRequest,
  port: messenger.Port,
  onKeysArrived?: () => void,
): Promise<unknown> {
  switch (request.op) {
    case "identities":
      return offeredIdentities(store);
    case "details":
      return details(store, request.address);
    case "setUp": {
      const progress = (text: string): void => port.postMessage({ progress: { address: request.address, text } });
      await setUpIdentity(store, request.address, {
        ...(request.code === undefined ? {} : { code: request.code }),
        progress,
      });
      return details(store, request.address);
    }
    case "removeDevice": {
      const { client } = await openAccount(await mailflowHost(store), request.address);
      await client.removeDevice(request.deviceId);
      // The removal replaced the address's key: bring the new one here (and into NSS) now. A failure
      // leaves it to the next refresh; the removal itself is done.
      await refreshAccount(store, request.address).catch((error: unknown) =>
        console.warn(`mailseal: ${request.address}: keys not refreshed after the removal`, error),
      );
      return details(store, request.address);
    }
    case "audit": {
      const { client } = await openAccount(await mailflowHost(store), request.address);
      return client.audit();
    }
    case "protect": {
      const host = await mailflowHost(store);
      const { state, client } = await openAccount(host, request.address);
      if (request.on) {
        // A first password needs a fresh proof of the address: a new challenge, found in the inbox.
        const offer = (await offeredIdentities(store)).find(
          (o) => o.address.toLowerCase() === request.address.toLowerCase(),
        );
        const mailbox = offer === undefined ? undefined : new InboxChallengeMailbox({ accountId: offer.accountId });
        await enableProtection(client, store, state, request.password, {
          ...(mailbox === undefined ? {} : { proveAddress: () => proveAddress(client, state, { mailbox }) }),
        });
      } else {
        await disableProtection(client, store, state, request.password);
      }
      return details(store, request.address);
    }
    case "unlock":
      // The same refresh as the background's, with the password: the waiting keys are released and
      // unwrapped (a wrong password is PASSWORD_WRONG, in plain words on the page), keys a rotation
      // left unwrapped are wrapped, and what is new goes into NSS, so CBC mail to it loads.
      // Messages those keys stopped (the key-waiting banner) are then shown again.
      if (await refreshAccount(store, request.address, { password: request.password })) onKeysArrived?.();
      return details(store, request.address);
  }
}

/** Ports of open pages (in the test flavour the harness drives one through `page`). */
const pages = new Set<messenger.Port>();

/** How long the install keeps trying to open the page: a first start can take that long to show a window. */
const OPEN_ON_INSTALL_FOR_MS = 5 * 60_000;

/**
 * Opens the page on install and keeps at it until the page itself has connected back. Thunderbird's
 * openOptionsPage resolves even when no tab opened: at the start that installs the add-in its main
 * window may not be ready ("No such tab mode: contentTab" in its log), so a resolved call proves
 * nothing. Only the page's own port does: each try waits for it (longer each time), then tries again;
 * a try while the page is already loading just shows that tab (openOptionsPage switches to it).
 */
async function openOnInstall(connected: Promise<void>): Promise<void> {
  const deadline = Date.now() + OPEN_ON_INSTALL_FOR_MS;
  for (let attempt = 1, waitMs = 3000; Date.now() < deadline; attempt++, waitMs = Math.min(waitMs * 2, 15_000)) {
    await openUiPage().catch((error: unknown) => console.warn("mailseal: opening the setup page", attempt, error));
    let timer: ReturnType<typeof setTimeout> | undefined;
    const reported = await Promise.race([
      connected.then(() => true),
      new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), waitMs))),
    ]);
    clearTimeout(timer);
    if (reported) return;
    console.warn(`mailseal: the setup page has not opened (try ${attempt}), trying again`);
  }
  console.warn("mailseal: the setup page did not open on install; it is in the Add-ons Manager (Options)");
}

export function wireUi(
  store: StateStore,
  onPage?: (report: unknown) => void,
  onKeysArrived?: () => void,
): {
  /** Opens the page where the key-protection password is typed (a notification's or a banner's click). */
  askPassword(): void;
  page(message: unknown): boolean;
  /** Test flavour only: stands for the person's click on a notification of the add-in. */
  notificationClicked(id: string): void;
} {
  let pageConnected: () => void = () => undefined;
  const connected = new Promise<void>((resolve) => (pageConnected = resolve));
  messenger.runtime.onInstalled.addListener(({ reason }) => {
    if (reason === "install") void openOnInstall(connected);
  });
  // A notification that a key waits for the password (notify.ts) opens the page, where it is typed.
  // A page open since before the refresh shows the state of then: it reads it again first.
  const askPassword = (): void => {
    for (const port of pages) port.postMessage({ reload: true });
    openUiPage().catch((error: unknown) => console.warn("mailseal: opening the page", error));
  };
  const notificationClicked = (id: string): void => {
    if (id.startsWith(WAITING_NOTIFICATION)) askPassword();
  };
  messenger.notifications.onClicked.addListener(notificationClicked);
  messenger.runtime.onConnect.addListener((port) => {
    if (port.name !== UI_PORT) return;
    // Only the add-in's own page: a display script also runs in an extension context.
    if (port.sender?.url?.startsWith(messenger.runtime.getURL(UI_PAGE)) !== true) return port.disconnect();
    pages.add(port);
    pageConnected();
    // The page's tab shows no moz-extension:// address (issue 14): the title names it.
    const tabId = port.sender?.tab?.id;
    if (tabId !== undefined) {
      messenger.mailseal
        .hidePageAddressBar(tabId)
        .catch((error: unknown) => console.warn("mailseal: the page's address bar", error));
    }
    port.onDisconnect.addListener(() => pages.delete(port));
    port.onMessage.addListener((value) => {
      const message = value as { id: number; request?: UiRequest; report?: unknown };
      // Test flavour only: the page reports what it shows (the release page sends no reports).
      if (MAILSEAL_TEST_FLAVOUR && message.report !== undefined) return onPage?.(message.report);
      if (message.request === undefined) return;
      handle(store, message.request, port, onKeysArrived).then(
        (result) => port.postMessage({ id: message.id, ok: true, value: result ?? null } satisfies UiAnswer),
        (error: unknown) =>
          port.postMessage({
            id: message.id,
            ok: false,
            code: errorCode(error),
            text: plainError(error),
          } satisfies UiAnswer),
      );
    });
  });
  return {
    askPassword,
    page(message) {
      if (!MAILSEAL_TEST_FLAVOUR) return false;
      for (const port of pages) port.postMessage(message);
      return pages.size > 0;
    },
    notificationClicked(id) {
      if (MAILSEAL_TEST_FLAVOUR) notificationClicked(id);
    },
  };
}
