/**
 * Lists class folders and their image files with Keras's rules
 * (keras/src/legacy/preprocessing/image.py `_iter_valid_files`, keras/src/utils/dataset_utils.py
 * `index_directory`):
 *
 * - Classes are the sub-directories of `directory` (a symlink to a directory counts) sorted by
 *   code point: uppercase before lowercase, '10' before '2'. The modern API skips names starting
 *   with '.'; the legacy one keeps them (Keras does, so `.ipynb_checkpoints` becomes a class there).
 * - Inside a class folder every directory of the walk is visited, the (root, files) pairs sorted
 *   by the root's full path and the files of each root by name — both by code point, as Python
 *   compares strings (so 'sub b/' comes before 'sub/inner/', and '😀' after 'ﬀ'). A symlinked
 *   sub-directory is entered only with `followLinks`.
 * - A file matches when its lower-cased name ends with one of the formats (the legacy list has no
 *   dots, so a file named `imgpng` matches there, as in Keras).
 *
 * Unlike Python's os.walk, the walk terminates on symlink loops: a directory already visited
 * (same device and inode) is skipped with a warning. Unreadable directories are skipped with a
 * warning (os.walk skips them silently).
 */
import { type Dirent, promises as fsp } from 'node:fs';
import path from 'node:path';
import { ValueError, expectedMessage } from '../../errors.js';
import { worded } from './validate.js';

/** Legacy flow_from_directory formats (no dots, as Keras matches them) plus webp, which sharp reads. */
export const LEGACY_FORMATS: readonly string[] = ['png', 'jpg', 'jpeg', 'bmp', 'ppm', 'tif', 'tiff', 'webp'];
/**
 * image_dataset_from_directory formats, exactly Keras's: the file list is shuffled with numpy's
 * generator, so one extra file would change which files land in the validation split.
 */
export const DATASET_FORMATS: readonly string[] = ['.bmp', '.gif', '.jpeg', '.jpg', '.png'];

/** Compares strings by code point, as Python does (JS `<` compares UTF-16 code units). */
export function codePointCompare(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i), y = b.charCodeAt(i);
    if (x !== y) return fixup(x) - fixup(y);
  }
  return a.length - b.length;
}

/** Moves surrogates (code points ≥ 0x10000) above U+E000..U+FFFF so code units sort as code points. */
function fixup(c: number): number {
  return c >= 0xe000 ? c - 0x800 : c >= 0xd800 ? c + 0x2000 : c;
}

/** Throws a ValueError unless `dir` is an existing directory. */
export async function checkDirectory(dir: unknown, where: string): Promise<string> {
  if (typeof dir !== 'string' || dir === '') throw new ValueError(expectedMessage(where, 'a directory path (string)', dir));
  let st;
  try {
    st = await fsp.stat(dir);
  } catch {
    throw new ValueError(worded(where, 'an existing directory', JSON.stringify(dir)));
  }
  if (!st.isDirectory()) throw new ValueError(worded(where, 'a directory', `${JSON.stringify(dir)}, which is not a directory`));
  return dir;
}

async function isDirectory(full: string, e: Dirent): Promise<boolean> {
  if (e.isDirectory()) return true;
  if (!e.isSymbolicLink()) return false;
  try {
    return (await fsp.stat(full)).isDirectory();
  } catch {
    return false; // a broken link is a file to os.walk
  }
}

/** Sorted sub-directory names of `dir` (symlinks to directories included). */
export async function listClassNames(dir: string, skipHidden: boolean): Promise<string[]> {
  const entries = await fsp.readdir(dir, { withFileTypes: true });
  const names: string[] = [];
  for (const e of entries) {
    if (skipHidden && e.name.startsWith('.')) continue;
    if (await isDirectory(path.join(dir, e.name), e)) names.push(e.name);
  }
  return names.sort(codePointCompare);
}

export interface WalkOptions {
  followLinks: boolean;
  /** Lower-case name suffixes that select a file. */
  formats: readonly string[];
  /** Called once per problem (an unreadable directory, a symlink loop). */
  warn: (message: string) => void;
}

/**
 * The matching files under `top`, as paths relative to `top`, in Keras's order. A missing `top`
 * gives no files (Keras's os.walk yields nothing for it).
 */
export async function walkFiles(top: string, o: WalkOptions): Promise<string[]> {
  const roots: { root: string; files: string[] }[] = [];
  const seen = new Set<string>();
  const visit = async (dir: string, rel: string): Promise<void> => {
    let st;
    try {
      st = await fsp.stat(dir);
    } catch {
      return;
    }
    const id = `${st.dev}:${st.ino}`;
    if (seen.has(id)) {
      o.warn(`Skipping directory "${dir}": already visited (a symlink loop).`);
      return;
    }
    seen.add(id);
    let entries: Dirent[];
    try {
      entries = await fsp.readdir(dir, { withFileTypes: true });
    } catch (e) {
      o.warn(`Skipping unreadable directory "${dir}": ${(e as Error).message}`);
      return;
    }
    const files: string[] = [];
    const subdirs: string[] = [];
    for (const e of entries) {
      const full = path.join(dir, e.name);
      if (await isDirectory(full, e)) {
        if (o.followLinks || !e.isSymbolicLink()) subdirs.push(e.name);
      } else if (matches(e.name, o.formats)) {
        files.push(e.name);
      }
    }
    roots.push({ root: dir, files: files.sort(codePointCompare).map((f) => (rel ? path.join(rel, f) : f)) });
    for (const s of subdirs) await visit(path.join(dir, s), rel ? path.join(rel, s) : s);
  };
  await visit(top, '');
  roots.sort((a, b) => codePointCompare(a.root, b.root));
  return roots.flatMap((r) => r.files);
}

function matches(name: string, formats: readonly string[]): boolean {
  const lower = name.toLowerCase();
  return formats.some((f) => lower.endsWith(f));
}
