// comlink ships the Node adapter as .mjs with a .d.ts beside it; TypeScript does not pair them.
declare module "comlink/dist/esm/node-adapter.mjs" {
  export { default } from "comlink/dist/esm/node-adapter";
}
