// The subset of Office.js (office.js, Mailbox requirement sets up to 1.14) the add-in uses, typed
// here rather than through @types/office-js: it is also the contract the tests' Office host double
// implements (test/office-double.ts), so the double cannot offer what the add-in does not use.

declare namespace Office {
  type AsyncStatus = "succeeded" | "failed";
  interface AsyncResult<T> {
    status: AsyncStatus;
    value: T;
    error?: { name: string; message: string; code: number };
  }
  type Callback<T> = (result: AsyncResult<T>) => void;

  interface CustomProperties {
    get(name: string): unknown;
    set(name: string, value: unknown): void;
    saveAsync(callback: Callback<void>): void;
  }

  interface NotificationMessageDetails {
    type: "informationalMessage" | "errorMessage" | "progressIndicator";
    message: string;
    icon?: string;
    persistent?: boolean;
  }

  interface EmailAddressDetails {
    emailAddress: string;
    displayName: string;
  }

  /** A recipient field of an item being written (to, cc, bcc: Mailbox 1.1). */
  interface Recipients {
    getAsync(callback: Callback<EmailAddressDetails[]>): void;
  }

  /** An attachment of an item being written (getAttachmentsAsync, Mailbox 1.8). */
  interface AttachmentDetailsCompose {
    id: string;
    name: string;
    /** "file", "item" (an attached message) or "cloud" (a link). */
    attachmentType: "file" | "item" | "cloud";
    size: number;
    isInline: boolean;
    contentType?: string;
    /** An inline attachment's Content-ID, what the HTML body's cid: URL names (web, new Outlook; not everywhere). */
    contentId?: string;
  }

  /** getAttachmentContentAsync's value (Mailbox 1.8): base64 for a file, eml text for an item, a URL for a link. */
  interface AttachmentContent {
    format: "base64" | "eml" | "url" | "iCalendar";
    content: string;
  }

  interface MessageItem {
    /** IPM.Note, IPM.Note.SMIME (an encrypted message), IPM.Note.SMIME.MultipartSigned. */
    itemClass?: string;
    itemId?: string;
    subject?: string | unknown;
    loadCustomPropertiesAsync(callback: Callback<CustomProperties>): void;
    notificationMessages: {
      replaceAsync(key: string, details: NotificationMessageDetails, callback?: Callback<void>): void;
    };
    /** Mailbox 1.14 (read mode): the whole message as RFC 5322, base64. */
    getAsFileAsync?(callback: Callback<string>): void;

    // Compose mode (the "Send securely" pane).
    to?: Recipients;
    cc?: Recipients;
    bcc?: Recipients;
    /** Compose mode: the subject as getAsync (read mode has the string). */
    body?: { getAsync(coercionType: "html" | "text", callback: Callback<string>): void };
    getAttachmentsAsync?(callback: Callback<AttachmentDetailsCompose[]>): void;
    getAttachmentContentAsync?(id: string, callback: Callback<AttachmentContent>): void;
    /** Mailbox 1.8: the item's internet headers by name (a reply's In-Reply-To and References where the host has them). */
    internetHeaders?: { getAsync(names: string[], callback: Callback<Record<string, string>>): void };
    /** Mailbox 1.14 compose: closes the form; discardItem drops the draft without asking. */
    closeAsync?(options: { discardItem: boolean }, callback?: Callback<void>): void;
    /** Mailbox 1.3: closes the form. */
    close?(): void;
  }

  /** What event.completed takes in an OnMessageSend handler (Mailbox 1.12 Smart Alerts). */
  interface SmartAlertsEventCompletedOptions {
    allowEvent: boolean;
    errorMessage?: string;
    errorMessageMarkdown?: string;
    cancelLabel?: string;
    commandId?: string;
    contextData?: string;
    sendModeOverride?: "promptUser";
  }

  interface AddinCommandEvent {
    completed(options?: SmartAlertsEventCompletedOptions): void;
  }

  const context: {
    mailbox: {
      /** The mailbox's owner (Mailbox 1.1): the address the setup pane offers to set up. */
      userProfile?: { emailAddress: string; displayName?: string };
      item: MessageItem | null | undefined;
      /** An EWS item id as the REST id Microsoft Graph takes (Mailbox 1.3). */
      convertToRestId?(itemId: string, restVersion: "v2.0"): string;
      /** Whose mailbox this is (the sender of what is written here). */
      userProfile?: { emailAddress: string; displayName: string };
      addHandlerAsync?(eventType: "olkItemSelectedChanged", handler: () => void, callback?: Callback<void>): void;
    };
    /** Which requirement sets the host supports (NestedAppAuth 1.1: the setup's sign-in token). */
    requirements?: { isSetSupported(name: string, minVersion?: string): boolean };
  };
  const actions: { associate(name: string, handler: (event: AddinCommandEvent) => void): void };
  function onReady(callback?: (info: { host: string | null }) => void): Promise<{ host: string | null }>;
}
