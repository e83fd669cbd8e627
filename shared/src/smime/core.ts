// What the S/MIME message layer needs of the crypto core: the small interfaces the layers below
// declare, together. CoreService (in process or through its worker proxy) satisfies it.
import type { EnvelopeCore } from "../cms/enveloped-data.js";
import type { VerifyCore } from "../cms/signer-info.js";
import type { Base64Core } from "../mime/rfc2045-transfer-encoding.js";

export type SmimeCore = EnvelopeCore & VerifyCore & Base64Core;
