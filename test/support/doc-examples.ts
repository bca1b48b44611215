/**
 * Code the docs show, taken from the Markdown itself so that a test runs exactly what a reader
 * copies. A block is found by a marker on the line before it:
 *
 *     <!-- example: NAME -->
 *
 *     ```sh
 *     …
 *     ```
 *
 * Moving or rewording the prose around it is free; removing the marker fails the test that
 * needs the block, with its name.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';

const repositoryRoot = path.resolve(__dirname, '../..');

export interface DocExample {
  /** The fence's info string: `sh`, `ts`… */
  readonly language: string;
  readonly code: string;
}

/** The fenced block after `<!-- example: name -->` in `file` (relative to the repository root). */
export function docExample(file: string, name: string): DocExample {
  const markdown = readFileSync(path.join(repositoryRoot, file), 'utf8');
  const marker = `<!-- example: ${name} -->`;
  const at = markdown.indexOf(marker);
  if (at < 0) throw new Error(`${file} has no block marked ${marker}`);
  const block = /^\s*(`{3,})([^\n]*)\n([\s\S]*?)\n\1[ \t]*$/m.exec(
    markdown.slice(at + marker.length),
  );
  if (block?.index !== 0) {
    throw new Error(`${marker} in ${file} is not followed by a fenced code block`);
  }
  return { language: (block[2] ?? '').trim(), code: block[3] ?? '' };
}
