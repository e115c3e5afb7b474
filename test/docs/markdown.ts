/**
 * Reads what the documentation tests check out of Markdown: fenced code blocks (with the line
 * they start on, so a failure points at the sample) and relative links and image paths.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';

export interface CodeBlock {
  /** The Markdown file, relative to the repository root (`README.md`, `docs/data.md`). */
  file: string;
  /** 1-based line of the block's first code line (the line after the opening fence). */
  line: number;
  /** First word of the info string (`ts`, `sh`, `python`), lower-case; `''` when none. */
  lang: string;
  /** The rest of the info string, e.g. `partial` in ```` ```ts partial ````. */
  flags: string[];
  code: string;
}

/** README.md and every docs/*.md (not docs/api, which typedoc generates). */
export function markdownFiles(root: string): string[] {
  const docs = join(root, 'docs');
  const guides = readdirSync(docs).filter((f) => f.endsWith('.md')).sort().map((f) => join(docs, f));
  return [join(root, 'README.md'), ...guides];
}

/** The fenced code blocks of one file, in order. */
export function codeBlocks(root: string, path: string): CodeBlock[] {
  const lines = readFileSync(path, 'utf8').split('\n');
  const file = relative(root, path);
  const blocks: CodeBlock[] = [];
  let open: { fence: string; lang: string; flags: string[]; start: number; body: string[] } | undefined;
  lines.forEach((text, i) => {
    const fence = /^\s*(`{3,}|~{3,})\s*(.*)$/.exec(text);
    if (open) {
      // A fence closes only with the same character, at least as long, and no info string.
      if (fence && fence[1][0] === open.fence[0] && fence[1].length >= open.fence.length && fence[2].trim() === '') {
        blocks.push({ file, line: open.start, lang: open.lang, flags: open.flags, code: open.body.join('\n') });
        open = undefined;
      } else {
        open.body.push(text);
      }
    } else if (fence) {
      const [lang = '', ...flags] = fence[2].trim().split(/\s+/).filter(Boolean);
      open = { fence: fence[1], lang: lang.toLowerCase(), flags, start: i + 2, body: [] };
    }
  });
  if (open) throw new Error(`${file}:${open.start - 1}: code block never closed`);
  return blocks;
}

/** Relative link and image targets outside code blocks, with their lines (URLs and anchors left out). */
export function relativeLinks(root: string, path: string): { file: string; line: number; target: string }[] {
  const file = relative(root, path);
  const out: { file: string; line: number; target: string }[] = [];
  let inFence = false;
  readFileSync(path, 'utf8').split('\n').forEach((text, i) => {
    if (/^\s*(`{3,}|~{3,})/.test(text)) inFence = !inFence;
    if (inFence) return;
    const prose = text.replace(/`[^`]*`/g, ''); // inline code is not a link
    for (const m of prose.matchAll(/!?\[[^\]]*\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)) {
      const target = m[1].split('#')[0];
      if (target === '' || /^[a-z][a-z0-9+.-]*:/i.test(target)) continue;
      out.push({ file, line: i + 1, target });
    }
  });
  return out;
}
