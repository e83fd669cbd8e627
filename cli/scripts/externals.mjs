// Packages that stay outside the command's bundle (and the fuzz targets' bundles, test/fuzz) and are
// loaded from node_modules: the server's native modules (better-sqlite3, pkcs11js: .node files found
// beside their package), pg's optional native binding, and packages that read their own files at
// run time (swagger-ui's static assets, pino's worker transports).
export const BUNDLE_EXTERNALS = [
  "better-sqlite3",
  "pg",
  "pg-native",
  "pkcs11js",
  "nodemailer",
  "smtp-server",
  "fastify",
  "@fastify/*",
  "pino",
  "@serenity-kit/opaque",
];
