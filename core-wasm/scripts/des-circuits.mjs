// Generates assembly/des/circuits.ts: the DES round function f (FIPS 46-3, "The Cipher Function f")
// as straight-line Boolean circuits over bitsliced words, so no S-box table is ever indexed by data.
// Run: node core-wasm/scripts/des-circuits.mjs. Deterministic (fixed seed); the output is committed.
//
// Each S-box output bit is a function of six inputs. The circuits are found by a small randomised
// greedy search: reuse a gate already built (or one XOR/AND/OR/AND-NOT of two of them) when it
// computes the wanted truth table, otherwise split on an input v (Davio expansion
// f = f|v=0 ^ (v & (f|v=0 ^ f|v=1)), or its mirror) and recurse on the two five-input halves.
// Gates are shared between the four outputs of a box. The best of TRIALS attempts is kept, and
// every emitted circuit is checked here against the FIPS 46-3 tables on all 64 inputs.
import { writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const TRIALS = 1000;

/** FIPS 46-3, "Primitive functions S1, ..., S8": four rows of 16 entries each. */
// prettier-ignore
const SBOXES = [
  [
    14, 4, 13, 1, 2, 15, 11, 8, 3, 10, 6, 12, 5, 9, 0, 7,
    0, 15, 7, 4, 14, 2, 13, 1, 10, 6, 12, 11, 9, 5, 3, 8,
    4, 1, 14, 8, 13, 6, 2, 11, 15, 12, 9, 7, 3, 10, 5, 0,
    15, 12, 8, 2, 4, 9, 1, 7, 5, 11, 3, 14, 10, 0, 6, 13,
  ],
  [
    15, 1, 8, 14, 6, 11, 3, 4, 9, 7, 2, 13, 12, 0, 5, 10,
    3, 13, 4, 7, 15, 2, 8, 14, 12, 0, 1, 10, 6, 9, 11, 5,
    0, 14, 7, 11, 10, 4, 13, 1, 5, 8, 12, 6, 9, 3, 2, 15,
    13, 8, 10, 1, 3, 15, 4, 2, 11, 6, 7, 12, 0, 5, 14, 9,
  ],
  [
    10, 0, 9, 14, 6, 3, 15, 5, 1, 13, 12, 7, 11, 4, 2, 8,
    13, 7, 0, 9, 3, 4, 6, 10, 2, 8, 5, 14, 12, 11, 15, 1,
    13, 6, 4, 9, 8, 15, 3, 0, 11, 1, 2, 12, 5, 10, 14, 7,
    1, 10, 13, 0, 6, 9, 8, 7, 4, 15, 14, 3, 11, 5, 2, 12,
  ],
  [
    7, 13, 14, 3, 0, 6, 9, 10, 1, 2, 8, 5, 11, 12, 4, 15,
    13, 8, 11, 5, 6, 15, 0, 3, 4, 7, 2, 12, 1, 10, 14, 9,
    10, 6, 9, 0, 12, 11, 7, 13, 15, 1, 3, 14, 5, 2, 8, 4,
    3, 15, 0, 6, 10, 1, 13, 8, 9, 4, 5, 11, 12, 7, 2, 14,
  ],
  [
    2, 12, 4, 1, 7, 10, 11, 6, 8, 5, 3, 15, 13, 0, 14, 9,
    14, 11, 2, 12, 4, 7, 13, 1, 5, 0, 15, 10, 3, 9, 8, 6,
    4, 2, 1, 11, 10, 13, 7, 8, 15, 9, 12, 5, 6, 3, 0, 14,
    11, 8, 12, 7, 1, 14, 2, 13, 6, 15, 0, 9, 10, 4, 5, 3,
  ],
  [
    12, 1, 10, 15, 9, 2, 6, 8, 0, 13, 3, 4, 14, 7, 5, 11,
    10, 15, 4, 2, 7, 12, 9, 5, 6, 1, 13, 14, 0, 11, 3, 8,
    9, 14, 15, 5, 2, 8, 12, 3, 7, 0, 4, 10, 1, 13, 11, 6,
    4, 3, 2, 12, 9, 5, 15, 10, 11, 14, 1, 7, 6, 0, 8, 13,
  ],
  [
    4, 11, 2, 14, 15, 0, 8, 13, 3, 12, 9, 7, 5, 10, 6, 1,
    13, 0, 11, 7, 4, 9, 1, 10, 14, 3, 5, 12, 2, 15, 8, 6,
    1, 4, 11, 13, 12, 3, 7, 14, 10, 15, 6, 8, 0, 5, 9, 2,
    6, 11, 13, 8, 1, 4, 10, 7, 9, 5, 0, 15, 14, 2, 3, 12,
  ],
  [
    13, 2, 8, 4, 6, 15, 11, 1, 10, 9, 3, 14, 5, 0, 12, 7,
    1, 15, 13, 8, 10, 3, 7, 4, 12, 5, 6, 11, 0, 14, 9, 2,
    7, 11, 4, 1, 9, 12, 14, 2, 0, 6, 10, 13, 15, 3, 5, 8,
    2, 1, 14, 7, 4, 10, 8, 13, 15, 12, 9, 0, 3, 5, 6, 11,
  ],
];

/** FIPS 46-3, permutation P: output bit i (1-based) is input bit P[i - 1]. */
const P = [
  16, 7, 20, 21, 29, 12, 28, 17, 1, 15, 23, 26, 5, 18, 31, 10, 2, 8, 24, 14, 32, 27, 3, 9, 19, 13, 30, 6, 22, 11, 4, 25,
];

const ALL = (1n << 64n) - 1n;
const not = (t) => t ^ ALL;

/** Input x = b1 b2 b3 b4 b5 b6 with b1 the most significant: row b1 b6, column b2 b3 b4 b5. */
function sboxValue(box, x) {
  const row = ((x >> 4) & 2) | (x & 1);
  return SBOXES[box][row * 16 + ((x >> 1) & 15)];
}

/** Truth table (bit x set when the function is 1 on input x) of input b(v + 1). */
const INPUTS = Array.from({ length: 6 }, (_, v) => {
  let t = 0n;
  for (let x = 0; x < 64; x++) if ((x >> (5 - v)) & 1) t |= 1n << BigInt(x);
  return t;
});

/** Output bit o (0 = the most significant) of a box. */
function outputTable(box, o) {
  let t = 0n;
  for (let x = 0; x < 64; x++) if ((sboxValue(box, x) >> (3 - o)) & 1) t |= 1n << BigInt(x);
  return t;
}

function cofactor(f, v, value) {
  const m = INPUTS[v],
    shift = BigInt(1 << (5 - v));
  if (value) {
    const h = f & m;
    return h | (h >> shift);
  }
  const l = f & not(m);
  return l | (l << shift);
}

function attempt(box, random) {
  const pool = new Map(INPUTS.map((t, v) => [t, `a${v + 1}`]));
  const gates = [];
  const add = (table, op, a, b) => {
    const name = `x${gates.length + 1}`;
    gates.push({ name, op, a, b });
    pool.set(table, name);
    return name;
  };
  // An existing gate, or one new gate over two existing ones.
  const find = (f) => {
    if (pool.has(f)) return pool.get(f);
    const entries = [...pool.entries()];
    for (const [t, name] of entries) if (pool.has(f ^ t)) return add(f, "xor", name, pool.get(f ^ t));
    const above = entries.filter(([t]) => (f & not(t)) === 0n);
    const below = entries.filter(([t]) => (t & not(f)) === 0n);
    for (let i = 0; i < above.length; i++)
      for (let j = i + 1; j < above.length; j++)
        if ((above[i][0] & above[j][0]) === f) return add(f, "and", above[i][1], above[j][1]);
    for (let i = 0; i < below.length; i++)
      for (let j = i + 1; j < below.length; j++)
        if ((below[i][0] | below[j][0]) === f) return add(f, "or", below[i][1], below[j][1]);
    for (const [t, name] of above)
      for (const [u, other] of entries) if ((t & not(u)) === f) return add(f, "andnot", name, other);
    if (pool.has(not(f))) return add(f, "not", pool.get(not(f)));
    return undefined;
  };
  const synth = (f, vars) => {
    const hit = find(f);
    if (hit !== undefined) return hit;
    // Split on the input whose halves are already built, if any (random among equals).
    let v = -1,
      best = -1;
    for (const c of vars) {
      const f0 = cofactor(f, c, 0),
        f1 = cofactor(f, c, 1);
      if (f0 === f1) continue;
      const known = (t) => (pool.has(t) || pool.has(not(t)) ? 2 : 0);
      const score = known(f0) + known(f1) + known(f0 ^ f1) + (f0 === 0n || f1 === 0n ? 1 : 0) + random();
      if (score > best) [best, v] = [score, c];
    }
    const rest = vars.filter((c) => c !== v);
    const f0 = cofactor(f, v, 0),
      f1 = cofactor(f, v, 1),
      d = f0 ^ f1;
    let mirror = random() < 0.5;
    if (pool.has(f1) !== pool.has(f0)) mirror = pool.has(f1);
    if (d === ALL) mirror = false; // f = f0 ^ v
    const base = mirror ? f1 : f0;
    const input = `a${v + 1}`;
    let term;
    if (d === ALL) term = input;
    else {
      const dn = synth(d, rest);
      term = mirror ? add(d & not(INPUTS[v]), "andnot", dn, input) : add(d & INPUTS[v], "and", input, dn);
    }
    if (base === 0n) {
      pool.set(f, term);
      return term;
    }
    if (base === ALL) return add(f, "not", term);
    return add(f, "xor", synth(base, rest), term);
  };
  const order = [0, 1, 2, 3];
  for (let i = 3; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  const outputs = [];
  for (const o of order) outputs[o] = synth(outputTable(box, o), [0, 1, 2, 3, 4, 5]);
  return { gates, outputs };
}

/** Evaluates a circuit on all 64 inputs at once (truth tables as words) and compares with the table. */
function verify(box, { gates, outputs }) {
  const value = new Map(INPUTS.map((t, v) => [`a${v + 1}`, t]));
  const ops = {
    xor: (a, b) => a ^ b,
    and: (a, b) => a & b,
    or: (a, b) => a | b,
    andnot: (a, b) => a & not(b),
    not: (a) => not(a),
  };
  for (const g of gates) value.set(g.name, ops[g.op](value.get(g.a), value.get(g.b)));
  outputs.forEach((name, o) => {
    if (value.get(name) !== outputTable(box, o)) throw new Error(`S${box + 1} output ${o + 1} is wrong`);
  });
}

let seed = 20240601;
const random = () => {
  seed = (Math.imul(seed, 1103515245) + 12345) & 0x7fffffff;
  return seed / 0x80000000;
};

const circuits = SBOXES.map((_, box) => {
  let best;
  for (let t = 0; t < TRIALS; t++) {
    const c = attempt(box, random);
    if (!best || c.gates.length < best.gates.length) best = c;
  }
  verify(box, best);
  return best;
});

const expr = { xor: "wxor", and: "wand", or: "wor", andnot: "wandnot", not: "wnot" };
/** Where output bit (4 * box + o + 1) of the S-boxes goes after P: word index in the target half. */
const target = (box, o) => P.indexOf(4 * box + o + 1);

const lines = [];
lines.push(
  "// GENERATED by core-wasm/scripts/des-circuits.mjs from the FIPS 46-3 tables; do not edit.",
  '// The DES cipher function f (FIPS 46-3, "The Cipher Function f") on bitsliced words: word i of a',
  "// half holds bit i + 1 of that half for every block. E is only a choice of words, each S-box a",
  "// Boolean circuit, P only a choice of words to XOR into: no data-dependent branch or address.",
  `// Gates per S-box: ${circuits.map((c) => c.gates.length).join(", ")}.`,
  'import { wand, wnot, wor, wxor } from "../aes/bitslice";',
  "",
  "@inline function wandnot<T>(a: T, b: T): T {",
  "  if (isVector<T>()) return v128.andnot(a, b);",
  "  else return a & ~b;",
  "}",
  "",
  "/** Round key bit j as a whole word: keys are stored as u64 masks (all ones or all zeros). */",
  "@inline function keyWord<T>(k: usize, j: i32): T {",
  "  if (isVector<T>()) return i64x2.splat(load<u64>(k + <usize>j * 8));",
  "  else return load<u64>(k + <usize>j * 8);",
  "}",
  "",
  "@inline function half<T>(h: usize, i: i32): T {",
  "  return load<T>(h + <usize>i * sizeof<T>());",
  "}",
  "",
  "@inline function xorInto<T>(h: usize, i: i32, v: T): void {",
  "  store<T>(h + <usize>i * sizeof<T>(), wxor<T>(load<T>(h + <usize>i * sizeof<T>()), v));",
  "}",
  "",
  "/**",
  " * dst ^= f(src, k): src is R (32 words), dst is L (32 words), k the 48 round-key masks. The",
  " * expansion E feeds S-box s with R bits 4s .. 4s + 5 (1-based, bit 0 meaning bit 32).",
  " */",
  "export function feistel<T>(dst: usize, src: usize, k: usize): void {",
);
circuits.forEach((c, box) => {
  lines.push(`  {`, `    // S${box + 1}`);
  for (let i = 0; i < 6; i++) {
    lines.push(
      `    const a${i + 1} = wxor<T>(half<T>(src, ${(4 * box + i - 1 + 32) % 32}), keyWord<T>(k, ${6 * box + i}));`,
    );
  }
  for (const g of c.gates) {
    const args = g.op === "not" ? `${g.a}` : `${g.a}, ${g.b}`;
    lines.push(`    const ${g.name} = ${expr[g.op]}<T>(${args});`);
  }
  c.outputs.forEach((name, o) => lines.push(`    xorInto<T>(dst, ${target(box, o)}, ${name});`));
  lines.push(`  }`);
});
lines.push("}", "");

const out = join(dirname(fileURLToPath(import.meta.url)), "..", "assembly", "des", "circuits.ts");
writeFileSync(out, lines.join("\n"));
console.log(`wrote ${out}; gates per S-box: ${circuits.map((c) => c.gates.length).join(" ")}`);
