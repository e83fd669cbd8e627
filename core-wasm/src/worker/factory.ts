import { proxy, type ProxyMarked } from "comlink";
import { CoreService } from "../service/core-service.js";
import type { CoreOptions } from "../service/api.js";

/** What a worker exposes: one call that instantiates the core with the host's options. */
export interface CoreFactory {
  open(options?: CoreOptions): Promise<CoreService & ProxyMarked>;
}

export const coreFactory: CoreFactory = {
  async open(options = {}) {
    return proxy(await CoreService.open(options, { marshal: true }));
  },
};
