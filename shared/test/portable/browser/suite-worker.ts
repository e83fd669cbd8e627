// A module Web Worker that runs shared's S/MIME cases inside itself, with the core instantiated in the
// same worker: where the engine runs shared's code in the add-ins. Gets the fixtures as JSON text in
// one message and answers with the results as JSON text.
import { CoreService } from "@mailseal/core-wasm";
import { fromJson, toJson } from "../json.js";
import type { SmimeFixtures } from "../smime-cases.js";
import { runSmimeCases } from "./run-cases.js";

self.onmessage = async (event: MessageEvent<string>) => {
  try {
    const core = await CoreService.open();
    self.postMessage(toJson({ cases: await runSmimeCases(core, fromJson<SmimeFixtures>(event.data)) }));
  } catch (error) {
    self.postMessage(toJson({ fatal: String((error as Error).stack ?? error) }));
  }
};
