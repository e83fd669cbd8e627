// The part of Thunderbird's MailExtension API (https://webextension-api.thunderbird.net, 128 ESR) the
// add-in uses, typed by hand (no @types package for Thunderbird is installed), plus our Experiment.
export {};

declare global {
  namespace messenger {
    interface MailFolder {
      accountId: string;
      path: string;
      /** MV3: e.g. ["inbox"] (MV2's `type` is gone). */
      specialUse?: string[];
      id?: string;
    }
    interface MessageHeader {
      id: number;
      subject: string;
      author: string;
      date: Date;
      folder?: MailFolder;
      headerMessageId: string;
      read?: boolean;
    }
    interface MessageList {
      id: string | null;
      messages: MessageHeader[];
    }
    interface Tab {
      id?: number;
      type?: string;
      windowId?: number;
    }
    interface MailIdentity {
      id: string;
      email: string;
      name?: string;
      accountId?: string;
    }
    interface MailAccount {
      id: string;
      name: string;
      type: string;
      identities: MailIdentity[];
      rootFolder?: MailFolder;
    }
    interface Port {
      name: string;
      sender?: { tab?: Tab; url?: string };
      postMessage(message: unknown): void;
      disconnect(): void;
      onMessage: Event<(message: unknown) => void>;
      onDisconnect: Event<(port: Port) => void>;
    }
    interface Event<F> {
      addListener(listener: F): void;
      removeListener(listener: F): void;
    }
    interface DownloadDelta {
      id: number;
      state?: { current?: "in_progress" | "interrupted" | "complete" };
      error?: { current?: string };
    }
    interface DownloadItem {
      id: number;
      filename: string;
      state: "in_progress" | "interrupted" | "complete";
      error?: string;
      fileSize: number;
    }
    const downloads: {
      /** Without saveAs, Thunderbird follows the user's setting: its download folder, or a Save dialog. */
      download(options: { url: string; filename: string; conflictAction?: "uniquify" }): Promise<number>;
      search(query: { id: number }): Promise<DownloadItem[]>;
      onChanged: Event<(delta: DownloadDelta) => void>;
    };
    /** The toolkit's alarms API (Thunderbird has it in MV3): an alarm wakes the event page. */
    const alarms: {
      create(name: string, info: { delayInMinutes?: number; periodInMinutes?: number }): Promise<void> | void;
      get(name: string): Promise<{ name: string } | undefined>;
      onAlarm: Event<(alarm: { name: string }) => void>;
    };
    /** The toolkit's notifications API: a desktop notification; a click on it is onClicked. */
    const notifications: {
      create(id: string, options: { type: "basic"; title: string; message: string; iconUrl?: string }): Promise<string>;
      clear(id: string): Promise<boolean>;
      getAll(): Promise<Record<string, unknown>>;
      onClicked: Event<(id: string) => void>;
    };
    /** The toolkit's storage API (the "storage" permission): small records kept with the add-on. */
    const storage: {
      local: {
        get(key: string): Promise<Record<string, unknown>>;
        set(items: Record<string, unknown>): Promise<void>;
      };
    };
    const runtime: {
      getURL(path: string): string;
      openOptionsPage(): Promise<void>;
      onInstalled: Event<(details: { reason: "install" | "update" | "browser_update" }) => void>;
      onConnect: Event<(port: Port) => void>;
      connect(info: { name: string }): Port;
    };
    const messages: {
      get(messageId: number): Promise<MessageHeader>;
      getRaw(messageId: number, options?: { data_format?: "File" | "BinaryString" }): Promise<File>;
      getFull(messageId: number): Promise<{ contentType?: string; headers?: Record<string, string[]> }>;
      query(info: {
        accountId?: string;
        folderId?: string;
        subject?: string;
        headerMessageId?: string;
      }): Promise<MessageList>;
      continueList(listId: string): Promise<MessageList>;
      /** MV3: the messages of one folder (its MailFolder id). */
      list(folderId: string): Promise<MessageList>;
      /** Needs messagesUpdate. */
      update(messageId: number, properties: { read?: boolean }): Promise<void>;
      /** Needs messagesDelete: to the account's Trash unless `deletePermanently`. */
      delete(messageIds: number[], options?: { deletePermanently?: boolean }): Promise<void>;
    };
    /** MV3 shapes: onMessageDisplayed/getDisplayedMessage exist only up to MV2. */
    const messageDisplay: {
      onMessagesDisplayed: Event<(tab: Tab, displayedMessages: MessageList) => void>;
      getDisplayedMessages(tabId: number): Promise<MessageList>;
      open(info: { messageId: number; location?: "tab" | "window" }): Promise<Tab>;
    };
    interface ComposeDetails {
      identityId?: string;
      to?: string | string[];
      cc?: string | string[];
      bcc?: string | string[];
      subject?: string;
      plainTextBody?: string;
      body?: string;
      isPlainText?: boolean;
      from?: string;
      replyTo?: string | string[];
      selectedEncryptionTechnology?: { name: "S/MIME"; signMessage?: boolean; encryptBody?: boolean };
      /** Read-only: what the window writes ("reply" for a reply, Thunderbird 95). */
      type?: "new" | "redirect" | "reply" | "forward" | "draft" | "template";
      /** Read-only: the message replied to, forwarded, or edited (Thunderbird 95); null otherwise. */
      relatedMessageId?: number | null;
    }
    const compose: {
      beginNew(messageId?: number | null, details?: ComposeDetails): Promise<Tab>;
      beginReply(
        messageId: number,
        replyType?: "replyToSender" | "replyToList" | "replyToAll",
        details?: ComposeDetails,
      ): Promise<Tab>;
      getComposeDetails(tabId: number): Promise<ComposeDetails>;
      setComposeDetails(tabId: number, details: ComposeDetails): Promise<void>;
      addAttachment(tabId: number, attachment: { file: File; name?: string }): Promise<unknown>;
      listAttachments(tabId: number): Promise<{ id: number; name: string; size: number }[]>;
      getAttachmentFile(id: number): Promise<File>;
      sendMessage(
        tabId: number,
        options?: { mode?: "default" | "sendNow" | "sendLater" },
      ): Promise<{
        mode: string;
        headerMessageId?: string;
        messages: MessageHeader[];
      }>;
      onBeforeSend: Event<
        (tab: Tab, details: ComposeDetails) => Promise<{ cancel?: boolean; details?: ComposeDetails }>
      >;
    };
    /** The three-pane tab: a click on a message in the list changes its selection. */
    const mailTabs: {
      onSelectedMessagesChanged: Event<(tab: Tab, selected: MessageList) => void>;
    };
    const tabs: {
      onCreated: Event<(tab: Tab) => void>;
      query(queryInfo: { type?: string }): Promise<Tab[]>;
      get(tabId: number): Promise<Tab>;
      update(tabId: number, properties: { active?: boolean }): Promise<Tab>;
    };
    const windows: {
      remove(windowId: number): Promise<void>;
    };
    const composeAction: {
      setTitle(details: { tabId?: number; title: string }): Promise<void>;
      setBadgeText(details: { tabId?: number; text: string }): Promise<void>;
      getTitle(details: { tabId?: number }): Promise<string>;
      getBadgeText(details: { tabId?: number }): Promise<string>;
      /** null: back to the manifest's default_label. */
      setLabel(details: { tabId?: number; label: string | null }): Promise<void>;
      getLabel(details: { tabId?: number }): Promise<string>;
      setBadgeBackgroundColor(details: { tabId?: number; color: string | null }): Promise<void>;
      getBadgeBackgroundColor(details: { tabId?: number }): Promise<[number, number, number, number]>;
      onClicked: Event<(tab: Tab) => void>;
    };
    const accounts: {
      list(includeSubFolders?: boolean): Promise<MailAccount[]>;
    };
    const scripting: {
      messageDisplay: {
        registerScripts(scripts: { id: string; js?: string[]; css?: string[]; runAt?: string }[]): Promise<void>;
        getRegisteredScripts(filter?: { ids?: string[] }): Promise<{ id: string }[]>;
      };
    };
    /** Our Experiment (src/experiments/mailseal/schema.json). */
    const mailseal: {
      importCaCertificate(der: string): Promise<string>;
      importPeerCertificate(der: string): Promise<string>;
      importPkcs12(pkcs12: string, password: string): Promise<void>;
      beginOutgoing(): Promise<string>;
      appendOutgoing(path: string, bytes: ArrayBuffer): Promise<void>;
      discardOutgoing(path: string): Promise<void>;
      sendOutgoing(path: string, identityId: string, recipients: string[], messageId: string): Promise<string>;
      closeComposeAfterCancel(tabId: number): Promise<void>;
      setIdentityCertificates(identityId: string, signingCert: string, encryptionCert: string): Promise<void>;
      updateInbox(accountId: string): Promise<void>;
      configuredService(): Promise<string>;
      showsOwnVerdict(tabId: number, judged: boolean): Promise<boolean>;
      reloadMessage(tabId: number): Promise<boolean>;
      hidePageAddressBar(tabId: number): Promise<boolean>;
      showKeyWaiting(tabId: number, headline: string, text: string, button: string): Promise<boolean>;
      keyWaitingClicked(tabId: number): Promise<boolean>;
      clearKeyWaiting(tabId: number): Promise<boolean>;
      shownMessageId(tabId: number): Promise<number>;
      markHasAttachments(messageId: number): Promise<boolean>;
      /** Whether the identity's drafts are now stored encrypted (its certificate passes Thunderbird's check). */
      encryptDrafts(identityId: string): Promise<boolean>;
      draftRecipientCertificates(tabId: number, certificates: { address: string; der: string }[]): Promise<void>;
      composeSendMode(tabId: number): Promise<"now" | "later">;
      queueOutgoing(path: string, identityId: string, bcc: string[]): Promise<string>;
      /** "launched", "asked" (Thunderbird's "open with" dialog) or "program" (executable here: not opened). */
      openAttachment(name: string, contentType: string, bytes: ArrayBuffer): Promise<string>;
    };
    /**
     * The test flavour's Experiment (src/testing/experiment/schema.json): absent from the release
     * .xpi, so only code under `if (MAILSEAL_TEST_FLAVOUR)` may call it.
     */
    const mailsealTest: {
      testChannel(): Promise<string>;
      testClockOffset(): Promise<number>;
      testSetClockOffset(offsetMs: number): Promise<void>;
      testAddLogin(origin: string, username: string, password: string): Promise<void>;
      testComposeToolbar(windowId: number): Promise<ComposeToolbar>;
      testHasAttachmentFlag(messageId: number): Promise<boolean>;
      testMessagePane(tabId: number): Promise<{
        cryptoBox: boolean;
        encryptedIcon: boolean;
        signedIcon: boolean;
        attachmentBar: boolean;
        keyWaiting: { text: string; button: string; colour: string } | null;
        messagePaneLaidOut: boolean;
      }>;
      testClickKeyWaiting(tabId: number): Promise<boolean>;
      testSendUnsent(): Promise<void>;
      testSaveDraft(tabId: number, autosave: boolean): Promise<void>;
      testOpenDraft(messageId: number): Promise<void>;
      testSelectMessage(messageId: number): Promise<number>;
      testVerifyIdentityCertificates(identityId: string): Promise<unknown>;
      testComposeEncryption(tabId: number): Promise<{
        sendEncrypted: boolean;
        sendSigned: boolean;
        buttonChecked: boolean;
        reminder: boolean;
        draftId: string;
      }>;
      testSetOpenHandler(contentType: string, extension: string, executable: string): Promise<void>;
      testPageTab(): Promise<{ title: string; icon: string; addressBarLaidOut: boolean } | null>;
      testQuit(): Promise<void>;
    };
    interface ToolbarButton {
      width: number;
      label: string;
      labelCut: boolean;
      visible: boolean;
    }
    interface ComposeToolbar {
      toolbarWidth: number;
      send: ToolbarButton | null;
      mailseal: ToolbarButton | null;
    }
  }
}
