// Types of externals.mjs for the TypeScript that imports it (test/fuzz/campaign.ts).
export declare const BUNDLE_EXTERNALS: string[];
