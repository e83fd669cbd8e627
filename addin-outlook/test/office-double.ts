// A DOUBLE of the Office.js host, not Outlook: the subset of Office.context.mailbox the add-in uses
// (src/office.d.ts), with the failure modes a real mailbox has: failed async results, a thrown call,
// an item missing, Mailbox 1.14's getAsFileAsync absent, S/MIME item classes (IPM.Note.SMIME), and
// the selection changing under a pinned pane (ItemChanged). Nothing here runs real Outlook.
// Used in a node:vm context (the event bundle) and, bundled, in headless Chromium (the read pane).

export type Failure = "failed" | "throws";

export interface DoubleItem {
  itemId: string;
  itemClass: string;
  subject: string;
  customProperties?: Record<string, unknown>;
  /** The message as RFC 5322, base64 (getAsFileAsync's value). */
  eml?: string;
  failLoadCustomProperties?: Failure;
  failSaveCustomProperties?: boolean;
  failGetAsFile?: Failure;
}

export interface DoubleOptions {
  item?: DoubleItem | null;
  roamingSettings?: Record<string, unknown>;
  /** Mailbox below 1.14: item.getAsFileAsync does not exist. */
  noGetAsFile?: boolean;
  /** userProfile.emailAddress: whose mailbox this is. */
  emailAddress?: string;
  /** The requirement sets (name -> version) the double says it supports, beside Mailbox. */
  requirementSets?: Record<string, string>;
}

export interface OfficeDouble {
  Office: unknown;
  /** The handlers registered with Office.actions.associate. */
  handlers: Map<string, (event: { completed(options?: unknown): void }) => void>;
  /** Every notification message the add-in showed, in order. */
  notifications: { key: string; type: string; message: string }[];
  /** Selects another item, as a click in the message list does (fires olkItemSelectedChanged). */
  select(item: DoubleItem | null): void;
  /** The custom properties saved for an item id. */
  saved: Map<string, Record<string, unknown>>;
}

const ERROR = { name: "GenericError", message: "The operation failed (Office double).", code: 9000 };

export function createOfficeDouble(options: DoubleOptions): OfficeDouble {
  const handlers = new Map<string, (event: { completed(options?: unknown): void }) => void>();
  const notifications: { key: string; type: string; message: string }[] = [];
  const saved = new Map<string, Record<string, unknown>>();
  const selectionHandlers: (() => void)[] = [];
  const ok = <T>(value: T) => ({ status: "succeeded", value });
  const failed = () => ({ status: "failed", value: undefined, error: ERROR });
  const later = (f: () => void) => void Promise.resolve().then(f);

  function itemApi(state: DoubleItem) {
    const properties = { ...(saved.get(state.itemId) ?? state.customProperties ?? {}) };
    const api: Record<string, unknown> = {
      itemId: state.itemId,
      itemClass: state.itemClass,
      subject: state.subject,
      loadCustomPropertiesAsync(callback: (r: unknown) => void) {
        if (state.failLoadCustomProperties === "throws")
          throw new Error("loadCustomPropertiesAsync threw (Office double)");
        later(() =>
          callback(
            state.failLoadCustomProperties === "failed"
              ? failed()
              : ok({
                  get: (name: string) => properties[name],
                  set: (name: string, value: unknown) => void (properties[name] = value),
                  saveAsync(done: (r: unknown) => void) {
                    if (!state.failSaveCustomProperties) saved.set(state.itemId, { ...properties });
                    later(() => done(state.failSaveCustomProperties ? failed() : ok(undefined)));
                  },
                }),
          ),
        );
      },
      notificationMessages: {
        replaceAsync(key: string, details: { type: string; message: string }, callback?: (r: unknown) => void) {
          notifications.push({ key, type: details.type, message: details.message });
          if (callback) later(() => callback(ok(undefined)));
        },
      },
    };
    if (!options.noGetAsFile)
      api.getAsFileAsync = (callback: (r: unknown) => void) => {
        if (state.failGetAsFile === "throws") throw new Error("getAsFileAsync threw (Office double)");
        later(() => callback(state.failGetAsFile === "failed" || state.eml === undefined ? failed() : ok(state.eml)));
      };
    return api;
  }

  const mailbox: Record<string, unknown> = {
    ...(options.emailAddress === undefined ? {} : { userProfile: { emailAddress: options.emailAddress } }),
    item: options.item ? itemApi(options.item) : options.item,
    addHandlerAsync(type: string, handler: () => void, callback?: (r: unknown) => void) {
      if (type === "olkItemSelectedChanged") selectionHandlers.push(handler);
      if (callback) later(() => callback(ok(undefined)));
    },
  };
  const roaming = options.roamingSettings ?? {};
  const Office = {
    context: {
      mailbox,
      roamingSettings: { get: (name: string) => roaming[name] },
      requirements: {
        isSetSupported: (name: string, minVersion = "1.1") => {
          const sets: Record<string, string> = { Mailbox: "1.14", ...options.requirementSets };
          const have = sets[name];
          if (have === undefined) return false;
          // Versions compare part by part (1.14 is above 1.9).
          const [a, b] = [have, minVersion].map((v) => v.split(".").map(Number));
          for (let i = 0; i < Math.max(a!.length, b!.length); i++) {
            const d = (a![i] ?? 0) - (b![i] ?? 0);
            if (d !== 0) return d > 0;
          }
          return true;
        },
      },
    },
    actions: { associate: (name: string, handler: never) => void handlers.set(name, handler) },
    onReady(callback?: (info: { host: string }) => void) {
      const info = { host: "Outlook" };
      if (callback) later(() => callback(info));
      return Promise.resolve(info);
    },
  };
  return {
    Office,
    handlers,
    notifications,
    saved,
    select(item) {
      mailbox.item = item ? itemApi(item) : null;
      for (const handler of selectionHandlers) later(handler);
    },
  };
}
