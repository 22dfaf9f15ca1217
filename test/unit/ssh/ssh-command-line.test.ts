import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { UserError } from '../../../src/core/errors.js';
import { parseGitCommand, splitCommandLine } from '../../../src/ssh/command-line.js';

describe('splitCommandLine', () => {
  it.each([
    ['apps:list', ['apps:list']],
    ['  apps:list \t blog  ', ['apps:list', 'blog']],
    ["config:set blog 'B=two words'", ['config:set', 'blog', 'B=two words']],
    ['config:set blog "B=two words"', ['config:set', 'blog', 'B=two words']],
    ['config:set blog B=two\\ words', ['config:set', 'blog', 'B=two words']],
    ['a\'b\'"c"d', ['abcd']],
    ['\'\' ""', ['', '']],
    ["x '' y", ['x', '', 'y']],
    ['"a\\"b\\\\c\\$d\\`e"', ['a"b\\c$d`e']],
    ['"a\\nb"', ['a\\nb']], // in double quotes a backslash before n stays
    ["'a\\nb'", ['a\\nb']], // in single quotes nothing is special
    ["'it'\\''s'", ["it's"]], // how git and ssh users quote a single quote
    ['a\\\nb', ['ab']], // backslash-newline continues the line
    ['a\\', ['a\\']], // a trailing backslash stays (dash)
    ['"héllo wörld" 日本', ['héllo wörld', '日本']],
    ['', []],
    ['   ', []],
  ])('splits %j', (line, argv) => {
    expect(splitCommandLine(line)).toEqual(argv);
  });

  it('expands nothing and knows no operators: no shell ever runs the line', () => {
    expect(splitCommandLine('run blog echo $HOME ~ * `id` $(id)')).toEqual(['run', 'blog', 'echo', '$HOME', '~', '*', '`id`', '$(id)']);
    expect(splitCommandLine('apps:list; rm -rf / && x | y > z &')).toEqual([
      'apps:list;',
      'rm',
      '-rf',
      '/',
      '&&',
      'x',
      '|',
      'y',
      '>',
      'z',
      '&',
    ]);
    expect(splitCommandLine("config:set blog 'URL=http://x/?a=1&b=$2'")).toEqual(['config:set', 'blog', 'URL=http://x/?a=1&b=$2']);
  });

  it.each(["config:set blog 'B=two", 'config:set blog "B=two', `"a'`, `'a"`, '"a\\"'])(
    'refuses the unterminated quote in %j with one clear line',
    (line) => {
      expect(() => splitCommandLine(line)).toThrow(UserError);
      expect(() => splitCommandLine(line)).toThrow(/^unterminated ['"] quote in the command; quote each argument whole/);
    },
  );

  // The same words a POSIX shell makes, for lines where a shell would expand nothing.
  it.each([
    'config:set blog \'B=two words\' C="x y" D=a\\ b',
    `a"b c"'d e'f "\\"" '\\' "\\\\" x\\"y`,
    "git-receive-pack '/blog.git'",
    "'it'\\''s' \"a\\nb\" ''",
  ])('agrees with sh on %j', (line) => {
    const out = execFileSync('sh', ['-c', `printf '%s\\0' ${line}`], { encoding: 'utf8' });
    expect(splitCommandLine(line)).toEqual(out.split('\0').slice(0, -1));
  });
});

describe('parseGitCommand', () => {
  it.each([
    ["git-receive-pack '/blog'", 'git-receive-pack', 'blog'],
    ["git-receive-pack '/blog.git'", 'git-receive-pack', 'blog'],
    ["git-receive-pack 'blog.git'", 'git-receive-pack', 'blog'],
    ["git-receive-pack 'blog'", 'git-receive-pack', 'blog'],
    ["git-upload-pack '/my-app-2.git'", 'git-upload-pack', 'my-app-2'],
    ["git receive-pack '/blog.git'", 'git-receive-pack', 'blog'],
    ["git upload-pack 'blog'", 'git-upload-pack', 'blog'],
    ['git-receive-pack blog', 'git-receive-pack', 'blog'],
  ])('accepts %j', (line, verb, app) => {
    expect(parseGitCommand(line)).toEqual({ verb, app });
  });

  it.each(['apps:list', 'config:set blog A=1', 'git', 'git status', 'gitk', '', "run blog git-receive-pack '/x'"])(
    'leaves %j to the command registry',
    (line) => {
      expect(parseGitCommand(line)).toBeUndefined();
    },
  );

  it.each([
    "git-receive-pack '../../etc'",
    "git-receive-pack '/../../etc'",
    "git-receive-pack '/var/lib/paas/repos/blog.git'",
    "git-receive-pack '/srv/blog'",
    "git-receive-pack 'blog/../other'",
    "git-receive-pack '//blog'",
    "git-receive-pack '/blog.git.git'",
    "git-receive-pack '/blog/'",
    "git-receive-pack '~/blog'",
    "git-receive-pack '~root'",
    "git-receive-pack '/Blog'",
    "git-receive-pack '/-blog'",
    "git-receive-pack '/blog;id'",
    "git-receive-pack '/blog\nid'",
    "git-receive-pack '/$(id)'",
    "git-receive-pack '/blog\u0000'",
    "git-receive-pack '/.git'",
    "git-receive-pack ''",
    `git-receive-pack '/${'a'.repeat(64)}'`,
    "git-upload-pack '/.'",
    "git-upload-pack '--upload-pack=touch /tmp/x'",
  ])('refuses the hostile path in %j', (line) => {
    expect(() => parseGitCommand(line)).toThrow(UserError);
    expect(() => parseGitCommand(line)).toThrow(/^invalid app in the git remote .*use ssh:\/\/paas@HOST:PORT\/APP/);
  });

  it.each([
    'git-receive-pack',
    "git-receive-pack '/a' '/b'",
    "git-receive-pack --strict '/blog'",
    "git receive-pack '/a' extra",
    "git-receive-pack '/blog' ; id",
  ])('refuses %j, which does not name exactly one app', (line) => {
    expect(() => parseGitCommand(line)).toThrow(/takes exactly one app/);
  });

  it('refuses git-upload-archive, which paas does not serve', () => {
    expect(() => parseGitCommand("git-upload-archive '/blog.git'")).toThrow(/git-upload-archive is not supported/);
    expect(() => parseGitCommand("git upload-archive 'blog'")).toThrow(/git-upload-archive is not supported/);
  });

  it('refuses an unterminated quote as a UserError', () => {
    expect(() => parseGitCommand("git-receive-pack '/blog")).toThrow(UserError);
  });

  it('accepts the longest app name and no longer one', () => {
    const longest = `a${'b'.repeat(62)}`;
    expect(parseGitCommand(`git-receive-pack '/${longest}.git'`)).toEqual({ verb: 'git-receive-pack', app: longest });
  });
});
