import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { appDockerfile, processTypesFile, releaseDefaultsScript } from '../../../../src/build/buildpacks/app-image.js';
import { ReleaseYamlError, parseReleaseYaml } from '../../../../src/build/buildpacks/release-yaml.js';

describe('parseReleaseYaml', () => {
  it('reads what Heroku buildpacks print', () => {
    const text = [
      '---',
      'addons:',
      '  - heroku-postgresql',
      'config_vars:',
      '  LANG: en_US.UTF-8',
      '  PATH: "/app/bin:/usr/bin"',
      'default_process_types:',
      '  web: bundle exec rails server -p $PORT -b 0.0.0.0',
      "  worker: 'sh -c ''sleep 1'''",
      '  console: bin/rails console # a comment',
      '',
    ].join('\n');
    expect(parseReleaseYaml(text)).toEqual({
      configVars: { LANG: 'en_US.UTF-8', PATH: '/app/bin:/usr/bin' },
      defaultProcessTypes: {
        web: 'bundle exec rails server -p $PORT -b 0.0.0.0',
        worker: "sh -c 'sleep 1'",
        console: 'bin/rails console',
      },
    });
  });

  it('reads empty and flow-style maps', () => {
    expect(parseReleaseYaml('--- {}\n')).toEqual({ configVars: {}, defaultProcessTypes: {} });
    expect(parseReleaseYaml('')).toEqual({ configVars: {}, defaultProcessTypes: {} });
    expect(parseReleaseYaml('addons: []\ndefault_process_types: {}\n')).toEqual({ configVars: {}, defaultProcessTypes: {} });
    expect(parseReleaseYaml('default_process_types: { web: "node a.js, b", worker: node w.js }\nconfig_vars: ~\n')).toEqual({
      configVars: {},
      defaultProcessTypes: { web: 'node a.js, b', worker: 'node w.js' },
    });
  });

  it('unescapes double-quoted values and keeps colons in commands', () => {
    const parsed = parseReleaseYaml(
      'default_process_types:\n    web: "echo \\"hi\\"\\tthere"\n    api: python -m http.server 0.0.0.0:$PORT\n',
    );
    expect(parsed.defaultProcessTypes).toEqual({ web: 'echo "hi"\tthere', api: 'python -m http.server 0.0.0.0:$PORT' });
  });

  it('refuses what it does not understand, with the line', () => {
    expect(() => parseReleaseYaml('  web: x\n')).toThrow(ReleaseYamlError);
    expect(() => parseReleaseYaml('default_process_types:\n  web:\n    nested: x\n')).toThrow(/line 3: nesting deeper than two levels/);
    expect(() => parseReleaseYaml('config_vars:\n  A: "open\n')).toThrow(/line 2: unterminated/);
    expect(() => parseReleaseYaml('just text\n')).toThrow(/line 1: expected "key: value"/);
  });
});

describe('what the app image gets from the release', () => {
  it('writes the default process types in the Procfile format the launcher reads', () => {
    expect(processTypesFile({ web: 'npm start', worker: 'node w.js', 'bad type': 'x', multi: 'a\nb' })).toBe(
      'web: npm start\nworker: node w.js\n',
    );
  });

  it('makes config_vars defaults that app config vars override, whatever the quotes', () => {
    const script = releaseDefaultsScript({ GREETING: 'it\'s "quoted" $HOME `id`', SET_BY_APP: 'default', 'BAD-KEY': 'x' });
    const run = (env: Record<string, string>) =>
      execFileSync('bash', ['-c', `${script}\nprintf '%s|%s' "$GREETING" "$SET_BY_APP"`], {
        env: { PATH: process.env.PATH, ...env },
      }).toString();
    expect(run({})).toBe('it\'s "quoted" $HOME `id`|default');
    expect(run({ SET_BY_APP: 'mine' })).toBe('it\'s "quoted" $HOME `id`|mine');
    expect(run({ SET_BY_APP: '' })).toBe('it\'s "quoted" $HOME `id`|');
    expect(script).not.toContain('BAD-KEY');
  });

  it('builds the app image FROM the run stack, as the app user, with the launcher as entrypoint', () => {
    const dockerfile = appDockerfile('paas/stack:bookworm');
    expect(dockerfile).toMatch(/^FROM paas\/stack:bookworm\n/);
    expect(dockerfile).toContain('COPY --chown=1000:1000 app/ /app/');
    expect(dockerfile).toContain('USER 1000:1000');
    expect(dockerfile).toContain('ENTRYPOINT ["/start"]');
    expect(dockerfile).not.toMatch(/EXPOSE/);
  });
});
