// "Open" for a decrypted attachment (issue 14): the bytes go into a private temporary file and to
// the application set for their type, as Thunderbird opens its own attachments (AttachmentInfo's
// open: a 0600 file in a 0700 folder of its temp directory, made read-only, deleted at exit; the
// handler the person chose for the type, else its "open with" dialog). The downloads API cannot do
// it: downloads.open needs a user gesture, which the display port does not carry. Programs are
// never opened, not even after asking: a program in a mail is a common attack, and Save remains.
import { MailsealError } from "@mailseal/shared";

/**
 * File name extensions of programs and scripts a click could run, on Windows, macOS and Linux
 * (installers and disk images included, which run or mount with one more click).
 */
const PROGRAM_EXTENSIONS = new Set(
  (
    "exe com scr pif bat cmd msi msp mst msc cpl hta jar js jse vbs vbe wsf wsh ws ps1 psm1 psd1 reg lnk url " +
    "inf scf application appref-ms gadget iso img vhd vhdx sh bash zsh csh ksh fish run bin out appimage " +
    "desktop deb rpm apk app command dmg pkg mpkg scpt workflow py pyw pl rb php elf so dll"
  ).split(" "),
);

/** Media types of programs and scripts, whatever the name says. */
const PROGRAM_TYPES = new Set([
  "application/x-msdownload",
  "application/x-msdos-program",
  "application/x-ms-installer",
  "application/x-msi",
  "application/vnd.microsoft.portable-executable",
  "application/x-executable",
  "application/x-elf",
  "application/x-sharedlib",
  "application/x-sh",
  "application/x-shellscript",
  "text/x-shellscript",
  "application/x-csh",
  "application/x-bat",
  "application/java-archive",
  "application/x-java-archive",
  "application/hta",
  "application/x-apple-diskimage",
  "application/vnd.debian.binary-package",
  "application/x-rpm",
  "application/x-desktop",
  "application/javascript",
  "text/javascript",
  "application/x-python",
  "text/x-python",
]);

/**
 * Whether an attachment is a program or script by its name or its media type. Windows drops
 * trailing dots and spaces from a name ("setup.exe." runs as setup.exe), so they do not hide one.
 */
export function isProgram(name: string, contentType: string): boolean {
  const trimmed = name.trim().replace(/[.\s]+$/, "");
  const dot = trimmed.lastIndexOf(".");
  const extension = dot >= 0 ? trimmed.slice(dot + 1).toLowerCase() : "";
  const type = contentType.split(";")[0]!.trim().toLowerCase();
  return PROGRAM_EXTENSIONS.has(extension) || PROGRAM_TYPES.has(type);
}

/** Opens decrypted attachment bytes: "launched" (the type's application), or "asked" (Thunderbird's dialog). */
export async function openAttachment(
  bytes: Uint8Array,
  name: string,
  contentType: string,
): Promise<"launched" | "asked"> {
  if (isProgram(name, contentType)) {
    throw new MailsealError("ATTACHMENT_IS_PROGRAM", `${JSON.stringify(name)} (${contentType}) is a program`);
  }
  let result: string;
  try {
    result = await messenger.mailseal.openAttachment(name, contentType, bytes.slice().buffer);
  } catch (error) {
    throw new MailsealError("ATTACHMENT_NOT_OPENED", `opening ${JSON.stringify(name)} failed`, { cause: error });
  }
  // The platform's own judgement of the written file (Gecko's nsIFile.isExecutable).
  if (result === "program") {
    throw new MailsealError("ATTACHMENT_IS_PROGRAM", `${JSON.stringify(name)} is executable on this system`);
  }
  return result === "asked" ? "asked" : "launched";
}
