// Coverage instrumentation for the fuzzer (README.md, "How it works"): an esbuild plugin that compiles
// the project's own TypeScript (shared/src, server/src) with a transformer inserting a hit counter at
// every branch: each block, each arm of if/?:/&&/||/??, each case clause, each arrow expression body.
// The counters live in one Uint8Array (COVERAGE_MAP_SIZE) the engine reads after every execution:
// what libFuzzer's -fsanitize-coverage=trace-pc-guard,inline-8bit-counters gives C code.
import { readFile } from "node:fs/promises";
import { relative } from "node:path";
import type { Plugin } from "esbuild";
import ts from "typescript";

export const COVERAGE_MAP_SIZE = 1 << 16;
/** The counters' name in the bundle; the banner defines it (see `coverageBanner`). */
const COUNTERS = "__mailsealFuzzCounters";

/** Declares the counters once at the top of the bundle, shared with the engine through globalThis. */
export const coverageBanner = `var ${COUNTERS} = (globalThis.${COUNTERS} ??= new Uint8Array(${COVERAGE_MAP_SIZE}));`;

/** FNV-1a of the file's path: each file's counters start at their own place in the map. */
function fileSeed(path: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < path.length; i++) hash = Math.imul(hash ^ path.charCodeAt(i), 0x01000193) >>> 0;
  return hash;
}

function coverageTransformer(seed: number): ts.TransformerFactory<ts.SourceFile> {
  return (context) => {
    const f = context.factory;
    let next = 0;
    const hit = (): ts.Expression =>
      f.createPostfixIncrement(
        f.createElementAccessExpression(
          f.createIdentifier(COUNTERS),
          f.createNumericLiteral(((seed + next++ * 0x9e3779b1) >>> 0) & (COVERAGE_MAP_SIZE - 1)),
        ),
      );
    const hitStatement = (): ts.Statement => f.createExpressionStatement(hit());
    const counted = (expression: ts.Expression): ts.Expression =>
      f.createParenthesizedExpression(f.createCommaListExpression([hit(), expression]));
    const asBlock = (statement: ts.Statement): ts.Block =>
      ts.isBlock(statement) ? statement : f.createBlock([hitStatement(), statement], true);

    const visit = (node: ts.Node): ts.Node => {
      const visited = ts.visitEachChild(node, visit, context);
      if (ts.isBlock(visited)) {
        return f.updateBlock(visited, [hitStatement(), ...visited.statements]);
      }
      if (ts.isIfStatement(visited)) {
        // An absent else is an edge too: the condition was false.
        const otherwise =
          visited.elseStatement === undefined ? f.createBlock([hitStatement()]) : asBlock(visited.elseStatement);
        return f.updateIfStatement(visited, visited.expression, asBlock(visited.thenStatement), otherwise);
      }
      if (ts.isConditionalExpression(visited)) {
        return f.updateConditionalExpression(
          visited,
          visited.condition,
          visited.questionToken,
          counted(visited.whenTrue),
          visited.colonToken,
          counted(visited.whenFalse),
        );
      }
      if (
        ts.isBinaryExpression(visited) &&
        [
          ts.SyntaxKind.AmpersandAmpersandToken,
          ts.SyntaxKind.BarBarToken,
          ts.SyntaxKind.QuestionQuestionToken,
        ].includes(visited.operatorToken.kind)
      ) {
        return f.updateBinaryExpression(visited, visited.left, visited.operatorToken, counted(visited.right));
      }
      if (ts.isCaseClause(visited)) {
        return f.updateCaseClause(visited, visited.expression, [hitStatement(), ...visited.statements]);
      }
      if (ts.isDefaultClause(visited)) {
        return f.updateDefaultClause(visited, [hitStatement(), ...visited.statements]);
      }
      if (
        (ts.isForStatement(visited) || ts.isForOfStatement(visited) || ts.isWhileStatement(visited)) &&
        !ts.isBlock(visited.statement)
      ) {
        if (ts.isForStatement(visited)) {
          return f.updateForStatement(
            visited,
            visited.initializer,
            visited.condition,
            visited.incrementor,
            asBlock(visited.statement),
          );
        }
        if (ts.isForOfStatement(visited)) {
          return f.updateForOfStatement(
            visited,
            visited.awaitModifier,
            visited.initializer,
            visited.expression,
            asBlock(visited.statement),
          );
        }
        return f.updateWhileStatement(visited, visited.expression, asBlock(visited.statement));
      }
      if (ts.isArrowFunction(visited) && !ts.isBlock(visited.body)) {
        return f.updateArrowFunction(
          visited,
          visited.modifiers,
          visited.typeParameters,
          visited.parameters,
          visited.type,
          visited.equalsGreaterThanToken,
          counted(visited.body),
        );
      }
      return visited;
    };
    return (file) => ts.visitEachChild(file, visit, context);
  };
}

/** Compiles one TypeScript file with the counters in. */
export function instrument(source: string, path: string, root: string): string {
  return ts.transpileModule(source, {
    fileName: path,
    compilerOptions: {
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.ESNext,
      verbatimModuleSyntax: true,
      sourceMap: false,
    },
    transformers: { before: [coverageTransformer(fileSeed(relative(root, path)))] },
  }).outputText;
}

/** The esbuild plugin: `include` says which files are the project's code to instrument. */
export function coveragePlugin(root: string, include: RegExp): Plugin {
  return {
    name: "fuzz-coverage",
    setup(build) {
      build.onLoad({ filter: include }, async (args) => ({
        contents: instrument(await readFile(args.path, "utf8"), args.path, root),
        loader: "js",
      }));
    },
  };
}
