// paas/nodejs helpers, run with the stack's node:
//   check PACKAGE_JSON          is package.json valid, and does engines.node accept this node?
//   build-script PACKAGE_JSON   heroku-postbuild or build, if the app has one
//   can-start PACKAGE_JSON      "yes" when `npm start` works (a start script or a server.js)
//   npm-version                 the stack's npm version, without starting npm (which takes a second)
'use strict';
const fs = require('fs');
const path = require('path');

const [command, file] = process.argv.slice(2);

function fail(lines) {
  for (const line of lines) console.log(` !     ${line}`);
  process.exit(1);
}

function readPackage() {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (error) {
    fail([`package.json is not valid JSON: ${error.message}`]);
  }
}

/** semver's satisfies() from the stack's npm when present; a small fallback otherwise. */
function satisfies(version, range) {
  try {
    return require('semver').satisfies(version, range);
  } catch {
    const major = Number(version.replace(/^v/, '').split('.')[0]);
    return range.split('||').some((part) => {
      const m = /^\s*(>=|\^|~|=)?\s*v?(\d+)(?:\.(\d+|x|\*))?(?:\.(\d+|x|\*))?\s*$/.exec(part);
      if (!m) return part.trim() === '*' || part.trim() === '';
      return m[1] === '>=' ? major >= Number(m[2]) : major === Number(m[2]);
    });
  }
}

function npmVersion() {
  for (const dir of (process.env.PATH || '').split(':')) {
    try {
      const cli = fs.realpathSync(path.join(dir, 'npm'));
      return JSON.parse(fs.readFileSync(path.join(path.dirname(cli), '..', 'package.json'), 'utf8')).version;
    } catch {
      // not in this PATH entry
    }
  }
  return 'none';
}

if (command === 'npm-version') {
  process.stdout.write(npmVersion());
  process.exit(0);
}
const pkg = readPackage();
if (command === 'check') {
  const wanted = pkg.engines && pkg.engines.node;
  if (wanted === undefined) {
    console.log(`       engines.node is not set: using ${process.version}`);
  } else if (typeof wanted !== 'string' || !satisfies(process.version, wanted)) {
    const major = process.version.replace(/^v/, '').split('.')[0];
    const app = process.env.PAAS_APP || 'APP';
    fail([
      `package.json asks for Node.js ${JSON.stringify(wanted)} (engines.node) but this stack has only node ${process.version}: ` +
        `change engines.node to include it (e.g. ">=${major}"), or build on a stack with that Node.js: paas buildpacks:set-property ${app} stack IMAGE`,
    ]);
  } else {
    console.log(`       engines.node ${JSON.stringify(wanted)} is satisfied by ${process.version}`);
  }
} else if (command === 'build-script') {
  const scripts = pkg.scripts || {};
  process.stdout.write(scripts['heroku-postbuild'] ? 'heroku-postbuild' : scripts.build ? 'build' : '');
} else if (command === 'can-start') {
  const scripts = pkg.scripts || {};
  const server = fs.existsSync(path.join(path.dirname(file), 'server.js'));
  process.stdout.write(scripts.start || server ? 'yes' : 'no');
} else {
  fail([`unknown command ${command}`]);
}
