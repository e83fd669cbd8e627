// What the message display script shows for one message: a banner, the body and the attachment list.
// It crosses a message port (structured clone): plain data; the bytes of attachments stay in the
// background (attachmentData is removed before posting), inline images cross as bytes.

export type Banner =
  /** Decrypted and authentic (CBC padding / GCM tag checked before anything was shown). */
  | { kind: "encrypted"; cipher: string; detail: string; signature?: BannerSignature }
  /**
   * Nothing of the content is shown. `stage` says how far reading got: "read" (not even the header,
   * or the add-in's own limit), "decrypt" (the decryption failed), "content" (decrypted, but the
   * decrypted content is not valid): the banner says "could not be decrypted" only for "decrypt".
   */
  | { kind: "failed"; code: string; stage: "read" | "decrypt" | "content"; detail: string };

/** The inner signature (readMessage's status): valid names the signer, as the service certified it. */
export type BannerSignature =
  | { state: "valid"; signer: string; fromMatches: boolean; expiredSince?: boolean }
  /**
   * Signed before the certificate was revoked, by the signer's claim of time (never shown as valid).
   * Times as ISO-8601 strings (they cross the message ports as plain data).
   */
  | { state: "revoked"; signer: string; code: string; signingTime: string; revokedAt: string }
  | { state: "invalid"; code: string }
  | { state: "none" };

export type RenderBody =
  | { kind: "text"; text: string }
  /** HTML as the sender wrote it: the display script sanitizes it before it touches the DOM. */
  | { kind: "html"; html: string; text: string }
  | { kind: "none" };

export interface RenderAttachment {
  name: string;
  contentType: string;
  /** Decoded size in bytes. */
  size: number;
}

/** An image part an HTML body references as cid: (RFC 2392), shown in place as a data: URL. */
export interface InlineImage {
  /** Without angle brackets. */
  contentId: string;
  /** One of image/png, image/jpeg, image/gif, image/webp (checked by the reader). */
  contentType: string;
  data: Uint8Array;
}

export interface RenderModel {
  banner: Banner;
  body: RenderBody;
  attachments: RenderAttachment[];
  inlineImages?: InlineImage[];
  /** The decoded bytes of attachments[i], kept in the background only (never posted to the pane). */
  attachmentData?: Uint8Array[];
  /** The message lies in the person's Drafts folder (set by the host, which knows the folder): bannerView's `draft`. */
  draft?: boolean;
}

/** What the display script asks the background over its port (after rendering). */
export type DisplayRequest =
  /** Save attachment `index` (a download: Thunderbird's download folder, or its Save dialog). */
  | { kind: "save"; index: number }
  /** Open attachment `index` in its application (Thunderbird: the Experiment's openAttachment). */
  | { kind: "open"; index: number }
  | { kind: "report"; report: DisplayReport };

/** What the background tells the display script after the answer. */
export type DisplayNotice =
  | { kind: "saved"; index: number; ok: true; filename: string }
  | { kind: "saved"; index: number; ok: false; message: string }
  /** `asked`: the application is chosen in Thunderbird's "open with" dialog (no handler set for the type). */
  | { kind: "opened"; index: number; ok: true; how: "launched" | "asked" }
  | { kind: "opened"; index: number; ok: false; message: string }
  /** Test flavour only (test profiles): press a button of the rendered view as the user would. */
  | { kind: "testClick"; selector: string };

/** What the background answers a display script: a model to render, or "not ours" (leave the pane alone). */
export type DisplayAnswer = { kind: "render"; model: RenderModel } | { kind: "pass" };

/** What a display script reports back after rendering (read from the DOM it produced). */
export interface DisplayReport {
  banner: Banner["kind"];
  /** The banner's whole text, its details included. */
  bannerText: string;
  /** What the banner shows before "Details" is opened (ui/plain-words.ts, bannerView). */
  bannerHeadline: string;
  /** The text behind the banner's "Details" toggle, "" when it has none. */
  bannerDetails: string;
  /** ok, neutral, warning or error (bannerView's level). */
  bannerLevel: string;
  /** The banner's background colour as computed in the pane (the colour a person sees), when reported. */
  bannerColour?: string;
  /** The banner element's data-level attribute, as the DOM holds it (the style keyed on it). */
  bannerLevelAttribute?: string;
  text: string;
  /** The distinct element names inside the rendered content, sorted (what the sanitizer let through). */
  elements: string[];
  /** The distinct attributes inside the rendered content as `tag name="value"`, sorted, when reported. */
  attributes?: string[];
  /** Whether the message stayed hidden until the verdict (nothing unchecked was on screen before). */
  hiddenUntilChecked?: boolean;
  /** The heading above the attachment list ("2 attachments"), "" when there is none. */
  attachmentsHeading?: string;
  /** The attachment list as shown: "name (size)". */
  attachments: string[];
  /** The src of every <img> shown (inline images: data: URLs only). */
  images?: string[];
  /**
   * The text Thunderbird itself had put in the pane, which the rendering replaced (at most 500
   * characters): shows whether Thunderbird's own S/MIME (NSS) decrypted the message too.
   */
  replaced: string;
}

export const DISPLAY_PORT = "mailseal-display";
