// `npm run fuzz -- TARGET [--runs N | --time S] [--seed N]`: a campaign on one target (or `all`, one
// after the other). It writes the minimised corpus back to corpus/TARGET and each finding to
// regressions/TARGET, and prints what the README's table records. It lowers its own priority first:
// campaigns share the machine.
import { setPriority } from "node:os";
import { parseArgs } from "node:util";
import { runCampaign, TARGETS, type TargetName } from "./campaign.js";

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { runs: { type: "string" }, time: { type: "string" }, seed: { type: "string" } },
});
const [name] = positionals;
if (name === undefined || (name !== "all" && !(TARGETS as readonly string[]).includes(name))) {
  console.error(
    `usage: npm run fuzz -- TARGET [--runs N | --time SECONDS] [--seed N]\ntargets: ${TARGETS.join(", ")}, all`,
  );
  process.exit(1);
}
setPriority(19);
const targets = name === "all" ? TARGETS : [name as TargetName];
const runs = values.runs === undefined ? undefined : Number(values.runs);
const seconds = values.time === undefined ? (runs === undefined ? 60 : undefined) : Number(values.time);
let failed = false;
for (const target of targets) {
  const result = await runCampaign({
    target,
    ...(runs === undefined ? {} : { runs }),
    ...(seconds === undefined ? {} : { seconds }),
    seed: values.seed === undefined ? Date.now() >>> 0 : Number(values.seed),
    save: true,
    onStatus: (s) =>
      console.log(
        `${target}: ${s.execs} execs in ${s.seconds.toFixed(0)} s (${Math.round(s.execs / s.seconds)}/s), ${s.features} features, corpus ${s.corpus}`,
      ),
  });
  console.log(
    `${target} done: ${result.execs} execs in ${result.seconds.toFixed(1)} s (${Math.round(result.execs / result.seconds)}/s), ` +
      `${result.features} features, minimised corpus ${result.corpus}, ${result.findings.length} findings`,
  );
  for (const finding of result.findings) {
    failed = true;
    console.log(`  ${finding.kind}: ${finding.detail}\n    saved as ${finding.file}`);
  }
}
process.exit(failed ? 1 : 0);
