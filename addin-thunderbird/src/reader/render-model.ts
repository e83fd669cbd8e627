// What the message display script shows for one message: a banner, the body and the attachment list.
// It crosses a message port (structured clone): plain data only, no bytes of attachments.

export type Banner =
  /** Decrypted and authentic (CBC padding / GCM tag checked before anything was shown). */
  | { kind: "encrypted"; cipher: string; detail: string; signature?: BannerSignature }
  /** Could not decrypt: nothing of the content is shown. */
  | { kind: "failed"; code: string; detail: string };

/** The inner signature (readMessage's status): valid names the signer, as the service certified it. */
export type BannerSignature =
  { state: "valid"; signer: string; fromMatches: boolean } | { state: "invalid"; code: string } | { state: "none" };

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

export interface RenderModel {
  banner: Banner;
  body: RenderBody;
  attachments: RenderAttachment[];
}

/** What the background answers a display script: a model to render, or "not ours" (leave the pane alone). */
export type DisplayAnswer = { kind: "render"; model: RenderModel } | { kind: "pass" };

/** What a display script reports back after rendering (read from the DOM it produced). */
export interface DisplayReport {
  banner: Banner["kind"];
  bannerText: string;
  text: string;
  /** The distinct element names inside the rendered content, sorted (what the sanitizer let through). */
  elements: string[];
  /** The attachment list as shown: "name (type, size)". */
  attachments: string[];
  /**
   * The text Thunderbird itself had put in the pane, which the rendering replaced (at most 500
   * characters): shows whether Thunderbird's own S/MIME (NSS) decrypted the message too.
   */
  replaced: string;
}

export const DISPLAY_PORT = "mailseal-display";
