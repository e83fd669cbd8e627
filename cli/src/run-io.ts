// The life of one run's input and output: open both, stream, then commit the output only if
// everything succeeded; on any failure discard it (no file, nothing released) and stop reading.
import { openInput, type Input } from "./io/input.js";
import { fileOutput, spooledStdoutOutput, stdoutOutput, type Output } from "./io/output.js";

export interface IoOptions {
  in: string | undefined;
  out: string | undefined;
  /** Output that is not authentic before the end (decrypted plaintext): held back until success. */
  holdBack: boolean;
  /** Mode of a new output file (0600 for plaintext). */
  mode: number;
}

export async function withInputOutput(
  options: IoOptions,
  body: (input: Input, output: Output) => Promise<void>,
): Promise<void> {
  const input = await openInput(options.in, process.stderr);
  let output: Output | undefined;
  try {
    output =
      options.out !== undefined && options.out !== "-"
        ? await fileOutput(options.out, options.mode)
        : options.holdBack
          ? spooledStdoutOutput()
          : stdoutOutput();
    await body(input, output);
    input.progress.clear();
    await output.commit();
  } catch (error) {
    await output?.abort();
    throw error;
  } finally {
    input.close();
  }
}
