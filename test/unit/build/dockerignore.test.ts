import { describe, expect, it } from 'vitest';
import { UserError } from '../../../src/core/errors.js';
import { cleanPath, isIgnored, parseDockerIgnore } from '../../../src/build/dockerignore.js';

/** The paths of `paths` that `.dockerignore` text excludes. */
function excluded(text: string, paths: readonly string[]): string[] {
  const ignore = parseDockerIgnore(text);
  return paths.filter((path) => isIgnored(ignore, path));
}

describe('parseDockerIgnore', () => {
  it('skips comments in column 1 and blank lines, and trims patterns', () => {
    const ignore = parseDockerIgnore('# a comment\n\n   \n  secret.txt  \n#not-a-rule\n');
    expect(ignore.rules.map((rule) => rule.pattern)).toEqual(['secret.txt']);
  });

  it('treats an indented # as part of a pattern, like Docker', () => {
    expect(parseDockerIgnore('  # odd').rules.map((rule) => rule.pattern)).toEqual(['# odd']);
  });

  it('cleans patterns: leading / and ./, trailing /, duplicate slashes, . and ..', () => {
    const patterns = parseDockerIgnore('/abs\n./rel\nbuild/\na//b\na/./c\na/x/../d\n!/keep\n').rules.map((rule) => [
      rule.exclusion,
      rule.pattern,
    ]);
    expect(patterns).toEqual([
      [false, 'abs'],
      [false, 'rel'],
      [false, 'build'],
      [false, 'a/b'],
      [false, 'a/c'],
      [false, 'a/d'],
      [true, 'keep'],
    ]);
  });

  it('accepts CRLF line endings and a byte order mark', () => {
    expect(excluded('\uFEFF*.log\r\n!keep.log\r\n', ['a.log', 'keep.log', 'a.txt'])).toEqual(['a.log']);
  });

  it('rejects a lone "!" with the line number, as a UserError', () => {
    expect(() => parseDockerIgnore('ok\n!\n')).toThrow(UserError);
    expect(() => parseDockerIgnore('ok\n!\n')).toThrow(/line 2: "!" needs a pattern/);
  });

  it('rejects an unclosed character class', () => {
    expect(() => parseDockerIgnore('file[ab')).toThrow(/line 1: invalid pattern "file\[ab": a "\[" has no closing "\]"/);
  });
});

describe('isIgnored', () => {
  const tree = [
    'README.md',
    'docs/guide.md',
    'docs/deep/more.md',
    'src/app.js',
    'node_modules',
    'node_modules/pkg/index.js',
    'node_modules_extra/x.js',
    '.env',
    '.git/HEAD',
  ];

  it('matches a name exactly, and a directory with everything under it', () => {
    expect(excluded('node_modules\n.git\n', tree)).toEqual(['node_modules', 'node_modules/pkg/index.js', '.git/HEAD']);
  });

  it('keeps * inside one path segment', () => {
    expect(excluded('*.md', tree)).toEqual(['README.md']);
    expect(excluded('*/*.md', tree)).toEqual(['docs/guide.md']);
    expect(excluded('docs/*', tree)).toEqual(['docs/guide.md', 'docs/deep/more.md']);
  });

  it('lets ** span any number of directories, including none', () => {
    expect(excluded('**/*.md', tree)).toEqual(['README.md', 'docs/guide.md', 'docs/deep/more.md']);
    expect(excluded('docs/**/more.md', tree)).toEqual(['docs/deep/more.md']);
    expect(excluded('a/**/b', ['a/b', 'a/x/b', 'a/x/y/b', 'a/xb', 'b'])).toEqual(['a/b', 'a/x/b', 'a/x/y/b']);
    expect(excluded('**', tree)).toEqual(tree);
  });

  it('dir/** excludes what is under dir but not dir itself', () => {
    expect(excluded('node_modules/**', tree)).toEqual(['node_modules/pkg/index.js']);
  });

  it('matches ? as one character other than /', () => {
    expect(excluded('file?.txt', ['file1.txt', 'file10.txt', 'file.txt', 'file/.txt'])).toEqual(['file1.txt']);
  });

  it('supports character classes, negated with ! or ^', () => {
    const files = ['a.txt', 'b.txt', 'c.txt', '/.txt'];
    expect(excluded('[ab].txt', files)).toEqual(['a.txt', 'b.txt']);
    expect(excluded('[!ab].txt', files)).toEqual(['c.txt']);
    expect(excluded('[^a-b].txt', files)).toEqual(['c.txt']);
  });

  it('takes regular-expression characters literally and honours \\ escapes', () => {
    expect(excluded('a+b(1).txt', ['a+b(1).txt', 'aab1.txt'])).toEqual(['a+b(1).txt']);
    expect(excluded('\\*.txt', ['*.txt', 'x.txt'])).toEqual(['*.txt']);
    expect(excluded('v1.0', ['v1.0', 'v1x0'])).toEqual(['v1.0']);
  });

  it('lets a later ! rule re-include, and the last matching rule win', () => {
    const files = ['README.md', 'CHANGELOG.md', 'notes.txt'];
    expect(excluded('*.md\n!README.md', files)).toEqual(['CHANGELOG.md']);
    expect(excluded('!README.md\n*.md', files)).toEqual(['README.md', 'CHANGELOG.md']);
    expect(excluded('*.md\n!README.md\nREADME*', files)).toEqual(['README.md', 'CHANGELOG.md']);
  });

  it('re-includes one file inside an excluded directory', () => {
    const files = ['logs', 'logs/a.log', 'logs/keep.log', 'logs/sub/keep.log'];
    expect(excluded('logs\n!logs/keep.log', files)).toEqual(['logs', 'logs/a.log', 'logs/sub/keep.log']);
    expect(excluded('logs\n!**/keep.log', files)).toEqual(['logs', 'logs/a.log']);
  });

  it('strips a leading / or ./ from patterns and from paths', () => {
    expect(excluded('/.env\n./docs', tree)).toEqual(['docs/guide.md', 'docs/deep/more.md', '.env']);
    const ignore = parseDockerIgnore('secret');
    expect(isIgnored(ignore, './secret')).toBe(true);
    expect(isIgnored(ignore, 'secret/')).toBe(true);
    expect(isIgnored(ignore, '/secret/inner')).toBe(true);
  });

  it('never matches with a pattern that leaves the context', () => {
    expect(excluded('../x\n..', ['x', 'a/x', 'a'])).toEqual([]);
  });

  it('excludes nothing when empty', () => {
    expect(excluded('', tree)).toEqual([]);
    expect(excluded('# only a comment\n', tree)).toEqual([]);
  });
});

describe('cleanPath', () => {
  it('behaves like Go path.Clean', () => {
    expect(cleanPath('')).toBe('.');
    expect(cleanPath('./')).toBe('.');
    expect(cleanPath('a/b/../c/')).toBe('a/c');
    expect(cleanPath('../a')).toBe('../a');
    expect(cleanPath('/../a')).toBe('/a');
    expect(cleanPath('/')).toBe('/');
  });
});
