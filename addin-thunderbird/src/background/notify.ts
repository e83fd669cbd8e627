// Telling the person that a key waits for the key-protection password (issue 14, finding 10): the
// background refresh brings every key it can, but a key a rotation made on a protected account needs
// the password, which only the page asks for. A Thunderbird notification says so once per waiting
// key (remembered in storage.local, so a restart or the daily refresh does not say it again), and
// clicking it opens the page, where the password brings the key here.
import type { StoredKey } from "@mailseal/shared";

/** Notification ids: this prefix, then the address. */
export const WAITING_NOTIFICATION = "mailseal-key-waits:";
/** storage.local: the keys already told of, as "address keyId". */
const NOTIFIED = "keysWaitingTold";

export interface ShownNotification {
  id: string;
  title: string;
  message: string;
}

/** Tells of the keys not told of yet; resolves the notification shown, or undefined when none was. */
export async function notifyWaiting(
  address: string,
  keys: readonly StoredKey[],
): Promise<ShownNotification | undefined> {
  const stored = await messenger.storage.local.get(NOTIFIED);
  const told = new Set(Array.isArray(stored[NOTIFIED]) ? (stored[NOTIFIED] as string[]) : []);
  const fresh = keys.filter((k) => !told.has(`${address} ${k.keyId}`));
  if (fresh.length === 0) return undefined;
  const shown: ShownNotification = {
    id: `${WAITING_NOTIFICATION}${address}`,
    title: "mailseal: your password is needed",
    message:
      `A new key for ${address} waits for your password. Click here to enter it: until then, ` +
      `mail encrypted to the new key cannot be opened on this computer.`,
  };
  await messenger.notifications.create(shown.id, {
    type: "basic",
    iconUrl: messenger.runtime.getURL("icons/mailseal.svg"),
    title: shown.title,
    message: shown.message,
  });
  for (const k of fresh) told.add(`${address} ${k.keyId}`);
  await messenger.storage.local.set({ [NOTIFIED]: [...told] });
  return shown;
}
