export function wasmModuleSource(path: string | URL): string;
