// Reading a displayed message has a time limit: the display script waits for the background's answer,
// so a read that never finishes (a raw-message stream that stalls, a worker that died) would leave the
// pane waiting with no word. After the limit the pane shows a failure banner instead; the read may
// still finish in the background, but nothing waits on it.
import { MailsealError } from "@mailseal/shared";

/** How long reading one message may take: a 10 MiB message takes 1-3 s here (README, "Reading"). */
export const READ_TIME_LIMIT_MS = 30_000;

/** The error of a read past its limit: a MailsealError TIMEOUT, the banner's stable code. */
export function readTimeout(message: string): MailsealError {
  return new MailsealError("TIMEOUT", message);
}

/** `work`, or a TIMEOUT error once `ms` have passed without it settling. */
export function withinTimeLimit<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const limit = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(
      () => reject(readTimeout(`reading this message did not finish within ${Math.round(ms / 1000)} s`)),
      ms,
    );
  });
  return Promise.race([work, limit]).finally(() => clearTimeout(timer));
}
