// A DOUBLE of the Office.js host, not Outlook: the subset of Office.context.mailbox the add-in uses
// (src/office.d.ts), with the failure modes a real mailbox has: failed async results, a thrown call,
// an item missing, Mailbox 1.14's getAsFileAsync absent, S/MIME item classes (IPM.Note.SMIME), and
// the selection changing under a pinned pane (ItemChanged), an S/MIME item whose getAsFileAsync fails
// because its attachment ids are missing (as desktop Outlook's can), and compose mode (the message
// being written: recipients, HTML body, attachments, a reply's header fields, closing the form).
// Nothing here runs real Outlook.
// Used in a node:vm context (the event bundle) and, bundled, in headless Chromium (the read pane).

export type Failure = "failed" | "throws";

/** An attachment of the message being written, with what getAttachmentContentAsync gives for it. */
export interface DoubleAttachment {
  id: string;
  name: string;
  attachmentType: "file" | "item" | "cloud";
  contentType?: string;
  size: number;
  isInline: boolean;
  /** An inline attachment's Content-ID (what the HTML body's cid: URL names). */
  contentId?: string;
  content: { format: "base64" | "eml" | "url"; content: string };
  failContent?: boolean;
}

/** Compose mode: the message being written. */
export interface DoubleCompose {
  to: { emailAddress: string; displayName: string }[];
  cc: { emailAddress: string; displayName: string }[];
  bcc: { emailAddress: string; displayName: string }[];
  html: string;
  attachments: DoubleAttachment[];
  /** What internetHeaders.getAsync gives (a reply's In-Reply-To and References). */
  internetHeaders?: Record<string, string>;
  failBody?: boolean;
  failRecipients?: boolean;
}

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
  /**
   * An S/MIME item as desktop Outlook may hold it: its attachment ids are missing, so getAsFileAsync
   * fails (the add-in then reads the message through Graph's $value).
   */
  missingAttachmentIds?: boolean;
  compose?: DoubleCompose;
}

export interface DoubleOptions {
  item?: DoubleItem | null;
  /** Mailbox below 1.14: item.getAsFileAsync does not exist. */
  noGetAsFile?: boolean;
  /** userProfile.emailAddress: whose mailbox this is (or the whole userProfile, below). */
  emailAddress?: string;
  /** Whose mailbox this is (Office.context.mailbox.userProfile); wins over emailAddress. */
  userProfile?: { emailAddress: string; displayName: string };
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
  /** Each compose form the add-in closed: the item id and whether the draft was discarded. */
  closed: { itemId: string; discard: boolean }[];
}

const ERROR = { name: "GenericError", message: "The operation failed (Office double).", code: 9000 };

export function createOfficeDouble(options: DoubleOptions): OfficeDouble {
  const handlers = new Map<string, (event: { completed(options?: unknown): void }) => void>();
  const notifications: { key: string; type: string; message: string }[] = [];
  const saved = new Map<string, Record<string, unknown>>();
  const closed: { itemId: string; discard: boolean }[] = [];
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
    if (!options.noGetAsFile && state.compose === undefined)
      api.getAsFileAsync = (callback: (r: unknown) => void) => {
        if (state.failGetAsFile === "throws") throw new Error("getAsFileAsync threw (Office double)");
        if (state.missingAttachmentIds)
          return later(() =>
            callback({
              status: "failed",
              value: undefined,
              error: {
                name: "InternalServerError",
                message: "The attachment ids of this item are missing.",
                code: 9017,
              },
            }),
          );
        later(() => callback(state.failGetAsFile === "failed" || state.eml === undefined ? failed() : ok(state.eml)));
      };
    if (state.compose !== undefined) Object.assign(api, composeApi(state, state.compose));
    return api;
  }

  function composeApi(state: DoubleItem, compose: DoubleCompose): Record<string, unknown> {
    const recipients = (list: DoubleCompose["to"]) => ({
      getAsync: (callback: (r: unknown) => void) =>
        later(() => callback(compose.failRecipients ? failed() : ok(list.map((r) => ({ ...r }))))),
    });
    return {
      subject: { getAsync: (callback: (r: unknown) => void) => later(() => callback(ok(state.subject))) },
      to: recipients(compose.to),
      cc: recipients(compose.cc),
      bcc: recipients(compose.bcc),
      body: {
        getAsync(coercion: string, callback: (r: unknown) => void) {
          later(() => callback(compose.failBody || coercion !== "html" ? failed() : ok(compose.html)));
        },
      },
      getAttachmentsAsync(callback: (r: unknown) => void) {
        later(() =>
          callback(
            ok(
              compose.attachments.map((a) => ({
                id: a.id,
                name: a.name,
                attachmentType: a.attachmentType,
                size: a.size,
                isInline: a.isInline,
                ...(a.contentType === undefined ? {} : { contentType: a.contentType }),
                ...(a.contentId === undefined ? {} : { contentId: a.contentId }),
              })),
            ),
          ),
        );
      },
      getAttachmentContentAsync(id: string, callback: (r: unknown) => void) {
        const attachment = compose.attachments.find((a) => a.id === id);
        later(() => callback(attachment === undefined || attachment.failContent ? failed() : ok(attachment.content)));
      },
      internetHeaders: {
        getAsync(names: string[], callback: (r: unknown) => void) {
          const headers = compose.internetHeaders ?? {};
          later(() => callback(ok(Object.fromEntries(names.filter((n) => n in headers).map((n) => [n, headers[n]])))));
        },
      },
      closeAsync(closeOptions: { discardItem?: boolean }, callback?: (r: unknown) => void) {
        closed.push({ itemId: state.itemId, discard: closeOptions.discardItem === true });
        if (callback) later(() => callback(ok(undefined)));
      },
    };
  }

  const mailbox: Record<string, unknown> = {
    userProfile:
      options.userProfile ?? (options.emailAddress === undefined ? undefined : { emailAddress: options.emailAddress }),
    /** REST ids (Graph's): the double's item ids are already those. */
    convertToRestId: (itemId: string) => itemId,
    item: options.item ? itemApi(options.item) : options.item,
    addHandlerAsync(type: string, handler: () => void, callback?: (r: unknown) => void) {
      if (type === "olkItemSelectedChanged") selectionHandlers.push(handler);
      if (callback) later(() => callback(ok(undefined)));
    },
  };
  const Office = {
    context: {
      mailbox,
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
    closed,
    select(item) {
      mailbox.item = item ? itemApi(item) : null;
      for (const handler of selectionHandlers) later(handler);
    },
  };
}
