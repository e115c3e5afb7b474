/**
 * The documentation cannot drift from the code: every ```ts block of README.md and docs/*.md is
 * type-checked against the library (imports of 'kerno' resolve to src/index.ts), the npm commands
 * the README tells a new user to run exist, and every relative link or picture points at a file.
 *
 * All blocks go into one TypeScript program (one type-check of the library, not one per sample).
 * Each block is its own module, so samples may reuse names. A block marked ```` ```ts partial ````
 * is skipped: use that only for a deliberately incomplete fragment.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { beforeAll, describe, expect, it } from 'vitest';
import { type CodeBlock, codeBlocks, markdownFiles, relativeLinks } from './markdown.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const files = markdownFiles(root);
const blocks = files.flatMap((f) => codeBlocks(root, f));
const samples = blocks.filter((b) => (b.lang === 'ts' || b.lang === 'typescript') && !b.flags.includes('partial'));

/** Where a block lives in the virtual file system: beside the tests, so module lookups find node_modules. */
function virtualPath(b: CodeBlock): string {
  return join(root, 'test', 'docs', '__samples__', `${b.file.replace(/[/.]/g, '_')}_L${b.line}.ts`);
}

/** Type errors per block, as `file:line:col TSnnnn message`. */
function typeCheck(): Map<CodeBlock, string[]> {
  const config = ts.readConfigFile(join(root, 'tsconfig.json'), ts.sys.readFile);
  const parsed = ts.parseJsonConfigFileContent(config.config, ts.sys, root);
  const options: ts.CompilerOptions = {
    ...parsed.options,
    noEmit: true,
    declaration: false,
    sourceMap: false,
    // A sample imports the published name; it must mean this checkout's sources, not dist/.
    paths: { kerno: [join(root, 'src', 'index.ts')] },
  };
  // `export {}` makes every block a module (own scope, top-level await) without moving its lines.
  const sources = new Map(samples.map((b) => [virtualPath(b), { block: b, text: `${b.code}\nexport {};\n` }]));
  const host = ts.createCompilerHost(options);
  const { fileExists, readFile, getSourceFile } = host;
  host.fileExists = (f) => sources.has(f) || fileExists.call(host, f);
  host.readFile = (f) => sources.get(f)?.text ?? readFile.call(host, f);
  host.getSourceFile = (f, lang, onError, create) => {
    const s = sources.get(f);
    return s ? ts.createSourceFile(f, s.text, lang, true) : getSourceFile.call(host, f, lang, onError, create);
  };
  const program = ts.createProgram([...sources.keys()], options, host);
  // The samples must have been checked against src/, never against a stale dist/ build.
  if (!program.getSourceFile(join(root, 'src', 'index.ts'))) throw new Error("'kerno' did not resolve to src/index.ts");
  const stale = program.getSourceFiles().find((f) => f.fileName.startsWith(join(root, 'dist') + '/'));
  if (stale) throw new Error(`a sample resolved into dist/: ${stale.fileName}`);
  const errors = new Map<CodeBlock, string[]>(samples.map((b) => [b, []]));
  const global = program.getOptionsDiagnostics().concat(program.getGlobalDiagnostics());
  if (global.length) throw new Error(ts.formatDiagnostics(global, host));
  for (const [path, { block }] of sources) {
    const sf = program.getSourceFile(path)!;
    for (const d of [...program.getSyntacticDiagnostics(sf), ...program.getSemanticDiagnostics(sf)]) {
      const { line, character } = sf.getLineAndCharacterOfPosition(d.start ?? 0);
      const text = ts.flattenDiagnosticMessageText(d.messageText, '\n');
      errors.get(block)!.push(`${block.file}:${block.line + line}:${character + 1} TS${d.code} ${text}`);
    }
  }
  return errors;
}

describe('code samples of README.md and docs/*.md', () => {
  let errors: Map<CodeBlock, string[]>;
  beforeAll(() => {
    errors = typeCheck();
  }, 180_000);

  it('finds the samples (the extraction itself works)', () => {
    expect(samples.filter((b) => b.file === 'README.md').length).toBeGreaterThanOrEqual(2);
    expect(new Set(samples.map((b) => b.file)).size).toBe(files.length);
  });

  it.each(samples.map((b) => [`${b.file}:${b.line}`, b] as const))('%s type-checks', (_, block) => {
    expect(errors.get(block), `type errors in the sample starting at ${block.file}:${block.line}`).toEqual([]);
  });

  it('imports the library only as "kerno"', () => {
    const bad = samples.filter((b) => /from\s+['"](\.{1,2}\/)*src\//.test(b.code)).map((b) => `${b.file}:${b.line}`);
    expect(bad, 'samples importing from src/ instead of "kerno"').toEqual([]);
  });
});

describe('README set-up commands', () => {
  const readme = blocks.filter((b) => b.file === 'README.md' && (b.lang === 'sh' || b.lang === 'bash'));
  const commands = readme.flatMap((b) => b.code.split('\n').map((l) => l.replace(/#.*$/, '').trim()).filter(Boolean));
  const scripts = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).scripts as Record<string, string>;

  it('names the three commands a new user runs', () => {
    for (const c of ['npm install', 'npm test', 'npm run example']) expect(commands).toContain(c);
  });

  it('CI runs the README test command', () => {
    const ci = readFileSync(join(root, '.ci', 'run'), 'utf8').split('\n').map((l) => l.trim());
    expect(ci).toContain('npm test');
  });

  it('every npm command in the documentation names a script of package.json', () => {
    const all = blocks.filter((b) => b.lang === 'sh' || b.lang === 'bash')
      .flatMap((b) => b.code.split('\n').map((l, i) => ({ at: `${b.file}:${b.line + i}`, l: l.replace(/#.*$/, '').trim() })));
    const missing = all.flatMap(({ at, l }) => {
      const m = /^npm (?:run(?:-script)?\s+([\w:-]+)|(test|start))\b/.exec(l);
      const name = m?.[1] ?? m?.[2];
      return name !== undefined && !Object.hasOwn(scripts, name) ? [`${at}: ${l}`] : [];
    });
    expect(missing).toEqual([]);
  });
});

describe('links of README.md and docs/*.md', () => {
  it('point at files that exist', () => {
    const broken = files.flatMap((f) => relativeLinks(root, f))
      .filter(({ file, target }) => !existsSync(join(root, dirname(file), decodeURIComponent(target))))
      .map(({ file, line, target }) => `${file}:${line} → ${target}`);
    expect(broken).toEqual([]);
  });
});
