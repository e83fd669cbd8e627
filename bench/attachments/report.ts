// The results as a Markdown table and an SVG chart, both derived from the JSON the harness writes.
import type { InProcessResult, Timing } from "./in-process.js";
import type { Tool } from "./pairs.js";

export interface Run {
  readonly ms: number;
  readonly rssKiB: number;
}

export interface Cell {
  readonly tool: Tool;
  readonly operation: string;
  /** Nominal size in bytes (1, 16, 128 MiB, 1 GiB) and the input's exact size. */
  readonly size: number;
  readonly bytes: number;
  readonly runs: Run[];
}

export interface Results {
  readonly date: string;
  readonly host: string;
  readonly node: string;
  readonly openssl: string;
  readonly cpus: string;
  readonly loadAverage: readonly number[];
  readonly quick: boolean;
  readonly runsPerCell: number;
  /** Peak RSS of `node -e 0`: what any Node process costs before it does anything. */
  readonly bareNodeRssKiB: number;
  readonly cells: Cell[];
  /** Absent when only some sizes or tools were measured (--sizes, --tools). */
  readonly inProcess: InProcessResult | undefined;
}

const TOOLS: readonly Tool[] = ["mailseal", "openssl", "PKI.js", "OpenPGP.js", "node-forge"];
const COLORS: Record<Tool, string> = {
  mailseal: "#1b6ac9",
  openssl: "#d9822b",
  "PKI.js": "#2e9e5b",
  "OpenPGP.js": "#8e44ad",
  "node-forge": "#8c8c8c",
};

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length / 2;
  return sorted.length % 2 === 1 ? sorted[Math.floor(middle)]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** MB/s (10^6 bytes per second, as in bench/core) of the input size over a run's wall time. */
function mbps(cell: Cell, ms: number): number {
  return cell.bytes / 1e6 / (ms / 1000);
}

export function summary(cell: Cell): { median: number; min: number; max: number; rssMiB: number } {
  const speeds = cell.runs.map((run) => mbps(cell, run.ms));
  return {
    median: mbps(cell, median(cell.runs.map((run) => run.ms))),
    min: Math.min(...speeds),
    max: Math.max(...speeds),
    rssMiB: median(cell.runs.map((run) => run.rssKiB)) / 1024,
  };
}

export function sizeLabel(bytes: number): string {
  return bytes >= 1024 ** 3 ? `${bytes / 1024 ** 3} GiB` : `${bytes / 1024 ** 2} MiB`;
}

function operations(cells: readonly Cell[]): string[] {
  return [...new Set(cells.map((cell) => cell.operation))];
}

function find(cells: readonly Cell[], tool: Tool, operation: string, size: number): Cell | undefined {
  return cells.find((c) => c.tool === tool && c.operation === operation && c.size === size);
}

const round = (value: number): string => (value >= 99.5 ? value.toFixed(0) : value.toPrecision(2));

export function markdownTable(results: Results): string {
  const bare = results.bareNodeRssKiB / 1024;
  const lines = [
    `${results.date}, ${results.host} (${results.cpus}), Node ${results.node}, ${results.openssl}; load average at start ${results.loadAverage.map((l) => l.toFixed(2)).join(" / ")}.`,
    `${results.quick ? "Quick mode: one run per cell (a smoke test, not a measurement)." : `Median of ${results.runsPerCell} runs (min–max in brackets), whole process, wall time from spawn to exit.`} Peak RSS is the median of the runs; a bare Node process peaks at ${bare.toFixed(0)} MiB. The ratio is mailseal's median MB/s over the peer's, same operation and size.`,
    "",
    "| size | operation | tool | MB/s | peak RSS | mailseal ÷ tool |",
    "| --- | --- | --- | ---: | ---: | ---: |",
  ];
  const sizes = [...new Set(results.cells.map((cell) => cell.size))];
  for (const size of sizes) {
    for (const operation of operations(results.cells)) {
      const own = find(results.cells, "mailseal", operation, size);
      for (const tool of TOOLS) {
        const cell = find(results.cells, tool, operation, size);
        if (cell === undefined) continue;
        const s = summary(cell);
        const spread = cell.runs.length > 1 ? ` (${round(s.min)}–${round(s.max)})` : "";
        const ratio = tool === "mailseal" || own === undefined ? "" : `${(summary(own).median / s.median).toFixed(2)}×`;
        lines.push(
          `| ${sizeLabel(size)} | ${operation} | ${tool} | ${round(s.median)}${spread} | ${s.rssMiB.toFixed(0)} MiB | ${ratio} |`,
        );
      }
    }
  }
  if (results.inProcess !== undefined) lines.push("", ...inProcessLines(results.inProcess));
  return `${lines.join("\n")}\n`;
}

/** The in-process measures (in-process.ts) as Markdown: both paths side by side, then the key history. */
export function inProcessLines(inProcess: InProcessResult): string[] {
  const ms = (s: Timing): string => `${s.median.toFixed(1)} (${s.min.toFixed(1)}–${s.max.toFixed(1)})`;
  const { corePath, engine, keyHistory: history } = inProcess;
  const first = history.firstOpenMs;
  return [
    `In process, warm, a ${(inProcess.bytes / 1024 / 1024).toFixed(2)} MiB message signed and encrypted (AES-256-CBC) to bob and the sender, then decrypted and verified; wall time, median of ${inProcess.rounds} rounds (min–max), and the median CPU time of the whole process (all threads), ms:`,
    "",
    "| path | sign+encrypt | CPU | calls to the worker | decrypt+verify | CPU | calls to the worker |",
    "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    `| core in its worker, S/MIME in the host thread | ${ms(corePath.seal)} | ${corePath.sealCpu.median.toFixed(1)} | ${corePath.callsPerSeal} | ${ms(corePath.open)} | ${corePath.openCpu.median.toFixed(1)} | ${corePath.callsPerOpen} |`,
    `| engine in its worker (sealMessage, openMessage) | ${ms(engine.seal)} | ${engine.sealCpu.median.toFixed(1)} | ${engine.callsPerSeal} (+ ${engine.sealedChunks ?? 0} stream chunks back) | ${ms(engine.open)} | ${engine.openCpu.median.toFixed(1)} | ${engine.callsPerOpen} |`,
    "",
    `Key history, the engine in its worker, a ${history.messageBytes}-byte signed and encrypted message, warm, median (min–max), ms: to the current key with 1 key ${ms(history.oneKey)}, with ${history.keys} keys ${ms(history.manyKeys)}; to the oldest of the ${history.keys} keys ${ms(history.oldKey)}. First open after setAccounts (loads the key): ${first.oneKey.toFixed(1)} / ${first.manyKeys.toFixed(1)} / ${first.oldKey.toFixed(1)} ms.`,
  ];
}

function escapeXml(text: string): string {
  return text.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;");
}

/** A round axis maximum: 1, 2 or 5 times a power of ten, at or above `value`. */
function niceMax(value: number): number {
  const power = 10 ** Math.floor(Math.log10(Math.max(value, 1)));
  return [1, 2, 5, 10].map((f) => f * power).find((v) => v >= value)!;
}

/** One panel per operation, bars grouped by size, one bar per tool (median MB/s, whisker min–max). */
export function svgChart(results: Results): string {
  const ops = operations(results.cells);
  const sizes = [...new Set(results.cells.map((cell) => cell.size))];
  const panelWidth = 460;
  const panelHeight = 230;
  const columns = 2;
  const top = 60;
  const width = columns * panelWidth + 20;
  const height = top + Math.ceil(ops.length / columns) * panelHeight + 10;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="11">`,
    `<rect width="${width}" height="${height}" fill="#fff"/>`,
    `<text x="10" y="20" font-size="14" font-weight="bold">${escapeXml(`Large attachments: MB/s by size and tool (${results.date}, ${results.host}${results.quick ? ", quick" : ""})`)}</text>`,
  ];
  TOOLS.forEach((tool, i) => {
    out.push(`<rect x="${10 + i * 110}" y="32" width="12" height="12" fill="${COLORS[tool]}"/>`);
    out.push(`<text x="${26 + i * 110}" y="42">${tool}</text>`);
  });
  ops.forEach((operation, index) => {
    const x0 = 10 + (index % columns) * panelWidth;
    const y0 = top + Math.floor(index / columns) * panelHeight;
    const plot = { x: x0 + 50, y: y0 + 25, w: panelWidth - 70, h: panelHeight - 65 };
    const cells = results.cells.filter((cell) => cell.operation === operation);
    const max = niceMax(Math.max(...cells.map((cell) => summary(cell).max)));
    out.push(`<text x="${x0 + 50}" y="${y0 + 15}" font-weight="bold">${escapeXml(operation)}</text>`);
    for (let tick = 0; tick <= 4; tick++) {
      const y = plot.y + plot.h - (tick / 4) * plot.h;
      out.push(`<line x1="${plot.x}" x2="${plot.x + plot.w}" y1="${y}" y2="${y}" stroke="#ddd"/>`);
      out.push(`<text x="${plot.x - 5}" y="${y + 4}" text-anchor="end">${round((tick / 4) * max)}</text>`);
    }
    out.push(
      `<text x="${x0 + 12}" y="${plot.y + plot.h / 2}" transform="rotate(-90 ${x0 + 12} ${plot.y + plot.h / 2})" text-anchor="middle">MB/s</text>`,
    );
    const groupWidth = plot.w / sizes.length;
    sizes.forEach((size, s) => {
      const present = TOOLS.map((tool) => find(cells, tool, operation, size)).filter((c) => c !== undefined);
      const barWidth = Math.min(28, (groupWidth - 20) / Math.max(present.length, 1));
      const gx = plot.x + s * groupWidth + (groupWidth - barWidth * present.length) / 2;
      present.forEach((cell, b) => {
        const { median: value, min, max: high } = summary(cell);
        const scale = (v: number): number => plot.y + plot.h - (v / max) * plot.h;
        const x = gx + b * barWidth;
        out.push(
          `<rect x="${x.toFixed(1)}" y="${scale(value).toFixed(1)}" width="${(barWidth - 2).toFixed(1)}" height="${(plot.y + plot.h - scale(value)).toFixed(1)}" fill="${COLORS[cell.tool]}"><title>${escapeXml(`${cell.tool} ${operation} ${sizeLabel(size)}: ${round(value)} MB/s`)}</title></rect>`,
        );
        const mid = x + (barWidth - 2) / 2;
        out.push(
          `<line x1="${mid.toFixed(1)}" x2="${mid.toFixed(1)}" y1="${scale(min).toFixed(1)}" y2="${scale(high).toFixed(1)}" stroke="#000" stroke-width="1"/>`,
        );
        out.push(
          `<text x="${mid.toFixed(1)}" y="${(scale(high) - 3).toFixed(1)}" text-anchor="middle" font-size="9">${round(value)}</text>`,
        );
      });
      out.push(
        `<text x="${(plot.x + s * groupWidth + groupWidth / 2).toFixed(1)}" y="${plot.y + plot.h + 15}" text-anchor="middle">${sizeLabel(size)}</text>`,
      );
    });
  });
  out.push("</svg>");
  return `${out.join("\n")}\n`;
}
