/**
 * The repository's references to itself. A link in the docs that leads nowhere, a comment that
 * cites a file which has since moved, or a path that climbs out of the repository (a clone has
 * nothing there) fails here instead of misleading the next reader.
 *
 * Reads the working tree: files git tracks or would track, never ignored ones.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(__dirname, '../../..');

/** Files of the repository (tracked, or new and not ignored) that are on disk. */
function repositoryFiles(): string[] {
  const listed = execFileSync(
    'git',
    ['ls-files', '-z', '--cached', '--others', '--exclude-standard'],
    {
      cwd: root,
      encoding: 'utf8',
    },
  );
  const files = [...new Set(listed.split('\0'))].filter((file) => file !== '');
  return files.filter((file) => existsSync(path.join(root, file))).sort();
}

/** Generated or vendored: what they cite is someone else's layout. */
const notOurProse = new Set(['package-lock.json']);

/** Text files, with their contents; binary files (a NUL byte) are left out. */
function textFiles(files: readonly string[]): ReadonlyMap<string, string> {
  const texts = new Map<string, string>();
  for (const file of files) {
    if (notOurProse.has(file)) continue;
    const text = readFileSync(path.join(root, file), 'utf8');
    if (!text.includes('\0')) texts.set(file, text);
  }
  return texts;
}

/** The paths git would ignore: build output, which a fresh clone rightly does not have. */
function ignoredPaths(paths: readonly string[]): Set<string> {
  if (paths.length === 0) return new Set();
  const { stdout } = spawnSync('git', ['check-ignore', '--no-index', '--stdin', '-z'], {
    cwd: root,
    input: paths.join('\0'),
    encoding: 'utf8',
  });
  return new Set(stdout.split('\0').filter((p) => p !== ''));
}

const files = repositoryFiles();
const texts = textFiles(files);
const lineOf = (text: string, index: number) => text.slice(0, index).split('\n').length;

/** Where a relative path written in `file` leads, relative to the repository root. */
const resolveFrom = (file: string, target: string) =>
  path.relative(root, path.resolve(root, path.dirname(file), target));
const isOutside = (relative: string) =>
  relative === '..' || relative.startsWith(`..${path.sep}`) || path.isAbsolute(relative);

// ---- repository paths cited in code, comments and docs ----

const citedExtensions = [
  'ts',
  'tsx',
  'js',
  'mjs',
  'cjs',
  'json',
  'md',
  'svg',
  'yml',
  'yaml',
  'sh',
  'txt',
];
const conventionalDirectories = [
  '.ci',
  '.github',
  'bench',
  'bin',
  'client',
  'docs',
  'lambda',
  'lib',
  'local',
  'openapi',
  'scripts',
  'test',
];
const topLevelDirectories = [
  ...new Set([
    ...conventionalDirectories,
    ...files.filter((file) => file.includes('/')).map((file) => file.split('/')[0] ?? ''),
  ]),
].filter((directory) => /^[\w.-]+$/.test(directory));
const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * A path from the repository root with an extension, such as a handler entry or a test file:
 * not in the middle of a longer path or URL (nothing path-like before it), not followed by more
 * path, and without templating (`*`, `{id}`, `<name>` end the match before an extension).
 */
const citation = new RegExp(
  `(?<![\\w./@-])(?:\\./)?((?:${topLevelDirectories.map(escapeRegExp).join('|')})/[\\w./-]*\\.(?:${citedExtensions.join('|')}))(?![\\w/]|\\.\\w)`,
  'g',
);

interface Citation {
  readonly file: string;
  readonly line: number;
  readonly cited: string;
}

function citations(): Citation[] {
  const found: Citation[] = [];
  for (const [file, text] of texts) {
    for (const match of text.matchAll(citation)) {
      const cited = match[1] ?? '';
      found.push({ file, line: lineOf(text, match.index), cited });
    }
  }
  return found;
}

// ---- markdown links ----

interface Link {
  readonly file: string;
  readonly line: number;
  readonly target: string;
}

const markdownFiles = [...texts.keys()].filter((file) => file.endsWith('.md'));

/** Fenced code blocks are examples, not links: blanked out, keeping line numbers. */
const withoutFencedCode = (markdown: string) =>
  markdown.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, (block) =>
    block.replace(/[^\n]/g, ' '),
  );
/** Inline code spans are not links either. */
const withoutCodeSpans = (markdown: string) =>
  markdown.replace(/`[^`\n]*`/g, (span) => ' '.repeat(span.length));

function links(file: string): Link[] {
  const markdown = withoutCodeSpans(withoutFencedCode(texts.get(file) ?? ''));
  const inline = /!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g;
  const reference = /^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s|$)/gm;
  return [...markdown.matchAll(inline), ...markdown.matchAll(reference)].map((match) => ({
    file,
    line: lineOf(markdown, match.index),
    target: match[1] ?? '',
  }));
}

const isExternal = (target: string) => /^[a-z][a-z0-9+.-]*:/i.test(target);

/** GitHub's anchors for a markdown file's headings (`## Quick start` is `#quick-start`). */
function anchorsOf(file: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  for (const [, heading = ''] of withoutFencedCode(texts.get(file) ?? '').matchAll(
    /^#{1,6}\s+(.+?)\s*#*\s*$/gm,
  )) {
    const slug = heading
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/\s/g, '-');
    const count = seen.get(slug) ?? 0;
    seen.set(slug, count + 1);
    anchors.add(count === 0 ? slug : `${slug}-${count}`);
  }
  for (const [, id = ''] of (texts.get(file) ?? '').matchAll(/<a\s+(?:name|id)="([^"]+)"/g)) {
    anchors.add(id);
  }
  return anchors;
}

/** Why a relative link does not resolve, or `undefined` when it does. */
function brokenLink({ file, target }: Link): string | undefined {
  const [rawPath = '', fragment] = target.split('#');
  const linkPath = decodeURIComponent(rawPath);
  const resolved = linkPath === '' ? file : resolveFrom(file, linkPath);
  if (isOutside(resolved)) return 'points outside the repository';
  const absolute = path.join(root, resolved);
  if (!existsSync(absolute)) return 'no such file or directory';
  if (fragment === undefined || fragment === '') return undefined;
  if (statSync(absolute).isDirectory() || !resolved.endsWith('.md')) return undefined;
  return anchorsOf(resolved).has(decodeURIComponent(fragment))
    ? undefined
    : `no heading for #${fragment} in ${resolved}`;
}

// ---- paths that climb out of the repository ----

interface Climb {
  readonly file: string;
  readonly line: number;
  readonly written: string;
}

/** A relative path with at least one `..` that, from the file it is written in, leaves the repository. */
function climbsOutside(): Climb[] {
  const found: Climb[] = [];
  for (const [file, text] of texts) {
    for (const match of text.matchAll(/(?<![\w.])(?:\.\.\/)+[\w.-]+(?:\/[\w.-]+)*/g)) {
      if (isOutside(resolveFrom(file, match[0]))) {
        found.push({ file, line: lineOf(text, match.index), written: match[0] });
      }
    }
  }
  return found;
}

describe('references inside the repository', () => {
  it('reads the repository (the checks below would pass vacuously on an empty list)', () => {
    expect(texts.has('README.md')).toBe(true);
    expect(markdownFiles).toContain('docs/api.md');
    expect(citations().length).toBeGreaterThan(20);
  });

  it('resolves every relative link of every markdown file, headings included', () => {
    const broken = markdownFiles
      .flatMap(links)
      .filter((link) => !isExternal(link.target))
      .flatMap((link) => {
        const why = brokenLink(link);
        return why === undefined ? [] : [`${link.file}:${link.line} ${link.target}: ${why}`];
      });

    expect(broken).toEqual([]);
  });

  it('cites only files that exist (or build output that git ignores)', () => {
    const found = citations();
    const missing = found.filter(({ cited }) => !existsSync(path.join(root, cited)));
    const buildOutput = ignoredPaths([...new Set(missing.map(({ cited }) => cited))]);

    expect(
      missing
        .filter(({ cited }) => !buildOutput.has(cited))
        .map(({ file, line, cited }) => `${file}:${line} cites ${cited}`),
    ).toEqual([]);
  });

  it('never points outside the repository with a relative path', () => {
    expect(climbsOutside().map(({ file, line, written }) => `${file}:${line} ${written}`)).toEqual(
      [],
    );
  });
});
