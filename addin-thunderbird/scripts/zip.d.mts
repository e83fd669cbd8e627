/** Zips every file under `dir` (paths relative to it) into `out` (zip.mjs). */
export function writeZip(dir: string, out: string): void;
