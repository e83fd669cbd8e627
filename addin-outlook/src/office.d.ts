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
      addHandlerAsync?(eventType: "olkItemSelectedChanged", handler: () => void, callback?: Callback<void>): void;
    };
    roamingSettings?: { get(name: string): unknown };
    /** Which requirement sets the host supports (NestedAppAuth 1.1: the setup's sign-in token). */
    requirements?: { isSetSupported(name: string, minVersion?: string): boolean };
  };
  const actions: { associate(name: string, handler: (event: AddinCommandEvent) => void): void };
  function onReady(callback?: (info: { host: string | null }) => void): Promise<{ host: string | null }>;
}
