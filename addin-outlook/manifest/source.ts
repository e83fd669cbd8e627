// The one source of both manifests of the Outlook add-in: the add-in only XML manifest (classic
// Outlook on Windows and Outlook on Mac install only this one) and the unified JSON manifest (new
// Outlook, Outlook on the web, the Microsoft 365 admin center). Each is written from this description
// by xml.ts and json.ts, so a button, a URL or an event cannot exist in one and not in the other.

/** Where the built add-in is served: every URL of both manifests starts here (https only). */
export const DEFAULT_BASE_URL = "https://localhost:3000";

export interface IconSet {
  /** size (px, square) -> path under the base URL. */
  readonly [size: number]: string;
}

export interface ComposeToggle {
  /** The control id (also a Take Action commandId when it opens a pane). */
  id: string;
  label: string;
  tooltip: string;
  /** The function the commands runtime registers (Office.actions.associate). */
  functionName: string;
}

export interface PaneButton {
  id: string;
  label: string;
  tooltip: string;
  /** Page path under the base URL. */
  page: string;
  /** The read pane stays open while the selection changes (VersionOverrides V1_1 SupportsPinning). */
  pinnable: boolean;
}

export interface AddinSource {
  /** A GUID: the add-in's identity in both manifests. */
  id: string;
  /** Four parts in XML (major.minor.build.revision); the JSON manifest takes the first three. */
  version: string;
  name: string;
  /** At most 80 characters (the JSON manifest's description.short). */
  shortDescription: string;
  description: string;
  provider: string;
  baseUrl: string;
  supportPath: string;
  /** Root icons of the XML manifest (IconUrl 64 px, HighResolutionIconUrl 128 px). */
  rootIcons: { 64: string; 128: string };
  /** The JSON manifest's package icons: color 192 px, outline 32 px (file names in the package). */
  packageIcons: { color: string; outline: string };
  /** Ribbon control icons: 16, 32 and 80 px (the sizes Outlook's command surfaces ask for). */
  controlIcons: IconSet;
  /** The page that hosts the commands and the send handler in a browser runtime. */
  commandsPage: string;
  /** The same code as one JavaScript file, for classic Outlook on Windows (a JavaScript-only runtime). */
  commandsScript: string;
  compose: { group: string; encrypt: ComposeToggle; sign: ComposeToggle; sendSecurely: PaneButton };
  read: { group: string; pane: PaneButton };
  /** OnMessageSend: the handler's function name; SoftBlock (the add-in decides, sending waits for it). */
  onSend: { functionName: string; sendMode: "SoftBlock" };
  /** Mailbox requirement set the add-in needs at least (1.12: OnMessageSend with SendMode). */
  minMailbox: string;
}

/** The sizes of ribbon control icons both manifests declare. */
export const CONTROL_ICON_SIZES = [16, 32, 80] as const;

export function addinSource(baseUrl: string = DEFAULT_BASE_URL): AddinSource {
  return {
    id: "5c1f3a9e-7b2d-4e8a-9f61-0d4c2b8e7a13",
    version: "0.1.0.0",
    name: "mailseal",
    shortDescription: "S/MIME encryption and signatures for Outlook, with no setup by hand.",
    description:
      "Encrypts and signs mail with S/MIME, and opens encrypted mail and checks its signature, with no setup by hand.",
    provider: "mailseal",
    baseUrl,
    supportPath: "/support.html",
    rootIcons: { 64: "/assets/icon-64.png", 128: "/assets/icon-128.png" },
    packageIcons: { color: "color.png", outline: "outline.png" },
    controlIcons: { 16: "/assets/icon-16.png", 32: "/assets/icon-32.png", 80: "/assets/icon-80.png" },
    commandsPage: "/commands.html",
    commandsScript: "/commands.js",
    compose: {
      group: "mailseal",
      encrypt: {
        id: "msgComposeEncrypt",
        label: "Encrypt",
        tooltip: "Turn encryption of this message on or off.",
        functionName: "toggleEncrypt",
      },
      sign: {
        id: "msgComposeSign",
        label: "Sign",
        tooltip: "Turn the signature of this message on or off.",
        functionName: "toggleSign",
      },
      sendSecurely: {
        id: "msgComposeSendSecurely",
        label: "Send securely",
        tooltip: "Open mailseal to sign, encrypt and send this message.",
        page: "/compose.html",
        pinnable: false,
      },
    },
    read: {
      group: "mailseal",
      pane: {
        id: "msgReadOpenPane",
        label: "mailseal",
        tooltip: "Show this message decrypted and its signature checked. Pin it to follow the selected message.",
        page: "/read.html",
        pinnable: true,
      },
    },
    onSend: { functionName: "onMessageSendHandler", sendMode: "SoftBlock" },
    minMailbox: "1.12",
  };
}

/** An absolute URL of the add-in. */
export function url(source: AddinSource, path: string): string {
  return new URL(path, source.baseUrl).toString();
}
