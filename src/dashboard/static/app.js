// paas dashboard: a few hand-written functions over the JSON API (/api/v1). No framework, no build step.
'use strict';

const state = { csrf: null, stops: [] };
const $ = (selector) => document.querySelector(selector);

/** el('tag.class', {attr: value, onclick: fn}, ...children): a DOM element. */
function el(spec, attrs = {}, ...children) {
  const [tag, ...classes] = spec.split('.');
  const node = document.createElement(tag || 'div');
  if (classes.length) node.className = classes.join(' ');
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith('on')) node.addEventListener(key.slice(2), value);
    else if (key === 'text') node.textContent = value;
    else node.setAttribute(key, value === true ? '' : String(value));
  }
  for (const child of children.flat())
    if (child !== null && child !== undefined && child !== false) node.append(child instanceof Node ? child : String(child));
  return node;
}

/** Replaces a node's children; arrays are flattened, null and false left out. */
function render(node, ...children) {
  node.replaceChildren(...children.flat(Infinity).filter((child) => child !== null && child !== undefined && child !== false));
}

function show(message, kind = 'error') {
  const box = $('#message');
  box.textContent = message;
  box.className = kind === 'info' ? 'info' : '';
  box.hidden = !message;
}

class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

async function api(method, path, body) {
  const headers = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET' && state.csrf) headers['x-csrf-token'] = state.csrf;
  const response = await fetch(`/api/v1${path}`, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    credentials: 'same-origin',
  });
  const data = await response.json().catch(() => ({}));
  if (!response.ok) throw new ApiError(response.status, data.error || `${response.status} ${response.statusText}`);
  return data;
}

/** Streams a text/plain route into `pre` as it arrives; resolves when it ends or is stopped. */
async function stream(path, pre, controller) {
  const response = await fetch(`/api/v1${path}`, { credentials: 'same-origin', signal: controller.signal });
  if (!response.ok) {
    const data = await response.json().catch(() => ({}));
    throw new ApiError(response.status, data.error || response.statusText);
  }
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    const atBottom = pre.scrollTop + pre.clientHeight >= pre.scrollHeight - 8;
    pre.textContent += decoder.decode(value, { stream: true });
    if (atBottom) pre.scrollTop = pre.scrollHeight;
  }
}

/** Runs an action, shows its command output (or its error line), then re-renders the page. */
async function act(button, work) {
  if (button) button.disabled = true;
  show('');
  try {
    const result = await work();
    if (result?.output) show(result.output.trim(), 'info');
    await route();
  } catch (error) {
    show(error.message);
  } finally {
    if (button) button.disabled = false;
  }
}

const ago = (iso) => {
  if (!iso) return '';
  const seconds = Math.round((Date.now() - Date.parse(iso)) / 1000);
  if (seconds < 60) return `${seconds}s ago`;
  if (seconds < 3600) return `${Math.round(seconds / 60)} min ago`;
  if (seconds < 86400) return `${Math.round(seconds / 3600)} h ago`;
  return `${Math.round(seconds / 86400)} d ago`;
};
const duration = (build) => (build.finishedAt ? (Date.parse(build.finishedAt) - Date.parse(build.startedAt)) / 1000 : undefined);
const badge = (text) =>
  el(`span.badge.${/^(running|succeeded)$/.test(text) ? 'ok' : /fail|stopped/.test(text) ? 'bad' : 'warn'}`, { text });
const counts = (processes) =>
  Object.entries(processes)
    .map(([type, count]) => `${type}=${count}`)
    .join(' ') || 'none';
const table = (header, rows) =>
  el(
    'div.table-wrap',
    {},
    el(
      'table',
      {},
      el(
        'thead',
        {},
        el(
          'tr',
          {},
          header.map((h) => el('th', { text: h })),
        ),
      ),
      el('tbody', {}, rows),
    ),
  );
const enc = encodeURIComponent;

// ------------------------------------------------------------------------------------------ pages

async function appsPage(main) {
  const apps = await api('GET', '/apps');
  render(
    main,
    el('h1', { text: 'Apps' }),
    apps.length === 0 ? el('p.muted', { text: 'No apps yet. Create one with: paas apps:create NAME, then git push.' }) : null,
    el(
      'div.cards',
      {},
      apps.map((app) =>
        el(
          'div.card',
          { 'data-app': app.name },
          el('h2', {}, el('a', { href: `#/app/${enc(app.name)}`, text: app.name })),
          el(
            'dl',
            {},
            el('dt', { text: 'State' }),
            el('dd', {}, badge(app.status)),
            el('dt', { text: 'Release' }),
            el('dd', { text: app.release || '–' }),
            el('dt', { text: 'Processes' }),
            el('dd', { text: counts(app.processes) }),
            el('dt', { text: 'URLs' }),
            el(
              'dd',
              {},
              app.urls.length ? app.urls.map((url) => el('div', {}, el('a', { href: url, text: url, rel: 'noreferrer' }))) : '–',
            ),
            el('dt', { text: 'Last deploy' }),
            el('dd', {}, app.lastDeploy ? [badge(app.lastDeploy.status), ' ', ago(app.lastDeploy.startedAt)] : '–'),
          ),
        ),
      ),
    ),
  );
}

async function appPage(main, name) {
  const path = `/apps/${enc(name)}`;
  const [app, releases, config, processes, builds, domains, certs] = await Promise.all([
    api('GET', path),
    api('GET', `${path}/releases`),
    api('GET', `${path}/config`),
    api('GET', `${path}/processes`),
    api('GET', `${path}/builds`),
    api('GET', `${path}/domains`).catch(() => ({})),
    api('GET', `${path}/certs`).catch(() => ({})),
  ]);
  const current = releases[0];
  const restartNote =
    app.status === 'running'
      ? `Saving makes a new release and restarts ${counts(processes.scale)} with zero downtime.`
      : 'Saving stores the value; the app gets it at its next deploy.';

  render(
    main,
    el('h1', {}, name, ' ', badge(app.status)),
    el(
      'p',
      {},
      `Release ${app.release || '–'} · ${counts(app.processes)} · `,
      app.urls.map((url) => el('a', { href: url, text: url, rel: 'noreferrer' })).flatMap((a) => [a, ' ']),
    ),
    el(
      'div.row',
      {},
      el('button.secondary', {
        text: 'Restart',
        onclick: (e) => confirm(`Restart ${name}?`) && act(e.target, () => api('POST', `${path}/restart`)),
      }),
    ),
    buildsSection(path, builds),
    releasesSection(path, releases, current),
    configSection(path, config, restartNote),
    processesSection(path, processes),
    statsSection(path),
    domainsSection(domains, certs),
    logsSection(path),
  );
}

function buildsSection(path, builds) {
  const pre = el('pre', { id: 'build-log', hidden: true });
  const title = el('h2', { text: 'Builds' });
  const open = async (build) => {
    stopStreams();
    pre.hidden = false;
    pre.textContent = '';
    title.textContent = `Build ${build.id} (${build.status})`;
    const controller = new AbortController();
    state.stops.push(() => controller.abort());
    try {
      await stream(`${path}/builds/${build.id}/log?follow=${build.status === 'running'}`, pre, controller);
    } catch (error) {
      if (error.name !== 'AbortError') show(error.message);
    }
  };
  const section = el(
    'section',
    { id: 'builds' },
    title,
    durationsPlot(builds),
    builds.length === 0
      ? el('p.muted', { text: 'No builds yet: git push to deploy.' })
      : table(
          ['Build', 'Status', 'Started', 'Took', 'By', ''],
          builds
            .slice(0, 10)
            .map((b) =>
              el(
                'tr',
                {},
                el('td', { text: `#${b.id}` }),
                el('td', {}, badge(b.status)),
                el('td', { text: ago(b.startedAt) }),
                el('td', { text: duration(b) === undefined ? '…' : `${duration(b).toFixed(0)} s` }),
                el('td', { text: b.actor }),
                el('td', {}, el('button.link', { text: b.status === 'running' ? 'Watch live' : 'Log', onclick: () => open(b) })),
              ),
            ),
        ),
    pre,
  );
  const running = builds.find((b) => b.status === 'running');
  if (running) setTimeout(() => open(running));
  else watchForBuild(path, builds[0]?.id ?? 0);
  return section;
}

/** Polls for a new build while the page is open; a push that starts one re-renders the page, which streams it. */
function watchForBuild(path, newest) {
  const timer = setInterval(async () => {
    try {
      const builds = await api('GET', `${path}/builds`);
      if ((builds[0]?.id ?? 0) > newest) {
        clearInterval(timer);
        route();
      }
    } catch {
      clearInterval(timer);
    }
  }, 1500);
  state.stops.push(() => clearInterval(timer));
}

/** Bars of the last 20 builds' durations (seconds), green when they succeeded. */
function durationsPlot(builds) {
  const done = builds
    .filter((b) => duration(b) !== undefined)
    .slice(0, 20)
    .reverse();
  if (done.length < 1) return null;
  const max = Math.max(...done.map(duration), 1);
  const width = 400;
  const bar = width / Math.max(done.length, 12);
  const svg = svgEl('svg', {
    class: 'plot',
    viewBox: `0 0 ${width} 100`,
    preserveAspectRatio: 'none',
    role: 'img',
    'aria-label': 'deploy durations',
  });
  done.forEach((b, i) => {
    const h = (duration(b) / max) * 85;
    const rect = svgEl('rect', {
      x: i * bar + 1,
      y: 100 - h,
      width: Math.max(bar - 2, 1),
      height: h,
      fill: b.status === 'succeeded' ? '#2f855a' : '#c53030',
    });
    rect.append(svgEl('title', {}, `#${b.id}: ${duration(b).toFixed(1)} s`));
    svg.append(rect);
  });
  return el(
    'div',
    {},
    el('div.legend', { text: `Deploy durations of the last ${done.length} builds, longest ${max.toFixed(0)} s (red: failed)` }),
    svg,
  );
}

function svgEl(tag, attrs, text) {
  const node = document.createElementNS('http://www.w3.org/2000/svg', tag);
  for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, String(value));
  if (text !== undefined) node.textContent = text;
  return node;
}

function releasesSection(path, releases, current) {
  return el(
    'section',
    { id: 'releases' },
    el('h2', { text: 'Releases' }),
    releases.length === 0
      ? el('p.muted', { text: 'No releases yet.' })
      : table(
          ['Version', 'Description', 'By', 'Created', ''],
          releases.slice(0, 15).map((r) =>
            el(
              'tr',
              { 'data-version': r.version },
              el('td', { text: `v${r.version}` }),
              el('td', { text: r.description }),
              el('td', { text: r.actor }),
              el('td', { text: ago(r.createdAt) }),
              el(
                'td',
                {},
                r === current
                  ? el('span.muted', { text: 'current' })
                  : el('button.secondary', {
                      text: `Roll back to v${r.version}`,
                      onclick: (e) =>
                        confirm(`Roll back to v${r.version}? This makes a new release with v${r.version}'s code and config.`) &&
                        act(e.target, () => api('POST', `${path}/rollback`, { version: r.version })),
                    }),
              ),
            ),
          ),
        ),
  );
}

function configSection(path, config, restartNote) {
  const keyInput = el('input', { name: 'key', placeholder: 'KEY', autocomplete: 'off', required: true, pattern: '[A-Za-z_][A-Za-z0-9_]*' });
  const valueInput = el('input', { name: 'value', placeholder: 'value', autocomplete: 'off' });
  const save = (key, value, button) => act(button, () => api('PATCH', `${path}/config`, { vars: { [key]: value } }));
  const rows = Object.entries(config).map(([key, masked]) => {
    const cell = el('td.value', { text: masked });
    return el(
      'tr',
      { 'data-key': key },
      el('td.value', { text: key }),
      cell,
      el(
        'td',
        {},
        el('button.link', {
          text: 'Reveal',
          onclick: async () => {
            try {
              cell.textContent = (await api('GET', `${path}/config?reveal=true`))[key] ?? '';
            } catch (error) {
              show(error.message);
            }
          },
        }),
        ' · ',
        el('button.link', {
          text: 'Edit',
          onclick: () => {
            keyInput.value = key;
            valueInput.value = '';
            valueInput.focus();
          },
        }),
        ' · ',
        el('button.link', {
          text: 'Unset',
          onclick: (e) => confirm(`Unset ${key}? ${restartNote}`) && act(e.target, () => api('DELETE', `${path}/config/${enc(key)}`)),
        }),
      ),
    );
  });
  return el(
    'section',
    { id: 'config' },
    el('h2', { text: 'Config vars' }),
    rows.length ? table(['Key', 'Value', ''], rows) : el('p.muted', { text: 'No config vars.' }),
    el(
      'form.row',
      {
        onsubmit: (e) => {
          e.preventDefault();
          save(keyInput.value.trim(), valueInput.value, e.submitter);
        },
      },
      keyInput,
      valueInput,
      el('button', { type: 'submit', text: 'Save' }),
    ),
    el('p.muted', { text: restartNote }),
  );
}

function processesSection(path, processes) {
  const inputs = Object.entries(processes.scale).map(([type, count]) => [
    type,
    el('input.count', { type: 'number', min: 0, max: 100, value: count, name: type, 'aria-label': `${type} count` }),
  ]);
  const statuses = Object.entries(processes.report)
    .filter(([key]) => /^status-/.test(key) || /^ps-status-/.test(key))
    .filter(([key]) => !key.startsWith('ps-'));
  return el(
    'section',
    { id: 'processes' },
    el('h2', { text: 'Processes' }),
    inputs.length === 0
      ? el('p.muted', { text: 'No process types until the first deploy.' })
      : el(
          'form.row',
          {
            onsubmit: (e) => {
              e.preventDefault();
              const body = Object.fromEntries(inputs.map(([type, input]) => [type, Number(input.value)]));
              act(e.submitter, () => api('PUT', `${path}/processes`, body));
            },
          },
          inputs.map(([type, input]) => el('label', {}, `${type} `, input)),
          el('button', { type: 'submit', text: 'Scale' }),
        ),
    statuses.length
      ? table(
          ['Container', 'State'],
          statuses.map(([key, value]) =>
            el('tr', {}, el('td', { text: key.replace(/^status-/, '').replace(/-(\d+)$/, '.$1') }), el('td', { text: value })),
          ),
        )
      : null,
  );
}

/** CPU and memory of the running containers from Docker stats, sampled every 5 s while the page is open. */
function statsSection(path) {
  const samples = [];
  const svg = svgEl('svg', {
    class: 'plot',
    viewBox: '0 0 400 100',
    preserveAspectRatio: 'none',
    role: 'img',
    'aria-label': 'memory and CPU',
  });
  const legend = el('div.legend', { text: 'Memory (blue) and CPU (orange) of all containers, sampled every 5 s' });
  const draw = () => {
    svg.replaceChildren();
    if (samples.length < 1) return;
    const points = samples.length === 1 ? [samples[0], samples[0]] : samples;
    const maxMem = Math.max(...samples.map((s) => s.memory), 1);
    const maxCpu = Math.max(...samples.map((s) => s.cpu), 1);
    const line = (values, max, color) =>
      svgEl('polyline', {
        fill: 'none',
        stroke: color,
        'stroke-width': 2,
        points: values.map((v, i) => `${(i / (values.length - 1)) * 400},${95 - (v / max) * 85}`).join(' '),
      });
    svg.append(
      line(
        points.map((s) => s.memory),
        maxMem,
        '#2b6cb0',
      ),
      line(
        points.map((s) => s.cpu),
        maxCpu,
        '#dd6b20',
      ),
    );
    const last = samples[samples.length - 1];
    legend.textContent = `Memory ${(last.memory / 1048576).toFixed(1)} MB (blue, top ${(maxMem / 1048576).toFixed(1)} MB), CPU ${last.cpu.toFixed(1)} % (orange), sampled every 5 s`;
  };
  let stopped = false;
  const poll = async () => {
    if (stopped) return;
    try {
      const stats = await api('GET', `${path}/stats`);
      samples.push({ memory: stats.reduce((sum, s) => sum + s.memoryBytes, 0), cpu: stats.reduce((sum, s) => sum + s.cpuPercent, 0) });
      if (samples.length > 60) samples.shift();
      draw();
    } catch {
      // not deployed or Docker busy: try again later
    }
    if (!stopped) timer = setTimeout(poll, 5000);
  };
  let timer = setTimeout(poll, 0);
  state.stops.push(() => {
    stopped = true;
    clearTimeout(timer);
  });
  return el('section', { id: 'stats' }, el('h2', { text: 'Memory and CPU' }), legend, svg);
}

function domainsSection(domains, certs) {
  const words = (value) => (value || '').split(/\s+/).filter(Boolean);
  const list = words(domains['app-vhosts']);
  const global = words(domains['global-vhosts']);
  const expiry = certs['expires-at'];
  const certRows = Object.entries(certs).filter(([key, value]) => !/^(ssl|certs)-/.test(key) && value !== '');
  return el(
    'section',
    { id: 'domains' },
    el('h2', { text: 'Domains and certificate' }),
    el(
      'p',
      {},
      list.length ? list.join(', ') : el('span.muted', { text: `No app domains${global.length ? ` (global: ${global.join(', ')})` : ''}` }),
    ),
    expiry
      ? el('p', {}, `Certificate expires: ${expiry}`)
      : el('p.muted', { text: 'No certificate (plain HTTP). Add one with: paas certs:add' }),
    certRows.length
      ? el(
          'details',
          {},
          el('summary', { text: 'Certificate details' }),
          table(
            ['Field', 'Value'],
            certRows.map(([k, v]) => el('tr', {}, el('td', { text: k }), el('td.value', { text: v }))),
          ),
        )
      : null,
  );
}

function logsSection(path) {
  const pre = el('pre', { id: 'app-log', text: '' });
  let controller;
  const load = async (follow, button) => {
    controller?.abort();
    controller = new AbortController();
    state.stops.push(() => controller.abort());
    pre.textContent = '';
    if (button) button.textContent = follow ? 'Following…' : 'Follow live';
    try {
      await stream(`${path}/logs?lines=100&follow=${follow}`, pre, controller);
    } catch (error) {
      if (error.name !== 'AbortError') pre.textContent = error.message;
    }
  };
  const follow = el('button.secondary', { text: 'Follow live', onclick: (e) => load(true, e.target) });
  setTimeout(() => load(false));
  return el(
    'section',
    { id: 'logs' },
    el('h2', { text: 'Logs' }),
    el(
      'div.row',
      {},
      el('button.secondary', {
        text: 'Recent',
        onclick: () => {
          follow.textContent = 'Follow live';
          load(false);
        },
      }),
      follow,
    ),
    pre,
  );
}

async function servicesPage(main) {
  const kinds = await api('GET', '/services');
  render(
    main,
    el('h1', { text: 'Services' }),
    kinds.length === 0 ? el('p.muted', { text: 'No service plugin installed.' }) : null,
    kinds.map(({ kind, services }) =>
      el(
        'section',
        { id: `services-${kind}` },
        el('h2', { text: kind }),
        services.length === 0
          ? el('p.muted', { text: `No ${kind} services. Create one with: paas ${kind}:create NAME` })
          : table(
              ['Name', 'Version', 'Status', 'Linked apps', 'Backups'],
              services.map((s) =>
                el(
                  'tr',
                  {},
                  el('td', { text: s.name }),
                  el('td', { text: s.version || '' }),
                  el('td', {}, badge(s.status || 'unknown')),
                  el(
                    'td',
                    {},
                    (s.links || []).map((app) => el('a', { href: `#/app/${enc(app)}`, text: app })).flatMap((a) => [a, ' ']),
                  ),
                  el('td', { text: s.backups || s.backup || '–' }),
                ),
              ),
            ),
      ),
    ),
  );
}

// ------------------------------------------------------------------------------------------ shell

function stopStreams() {
  for (const stop of state.stops.splice(0)) stop();
}

async function route() {
  stopStreams();
  const main = $('#main');
  const hash = location.hash.replace(/^#/, '') || '/';
  const app = /^\/app\/([^/]+)$/.exec(hash);
  try {
    if (app) await appPage(main, decodeURIComponent(app[1]));
    else if (hash === '/services') await servicesPage(main);
    else await appsPage(main);
  } catch (error) {
    if (error.status === 401) return loginPage();
    render(main, el('p.bad', { text: error.message }));
  }
}

function loginPage() {
  $('#who').textContent = '';
  $('#logout').hidden = true;
  render(
    $('#main'),
    el('h1', { text: 'Log in' }),
    el(
      'p',
      {},
      'On the server, run ',
      el('code', { text: 'paas dashboard:login-link' }),
      ' and open the link it prints. Each link works once, for 5 minutes.',
    ),
  );
}

async function start() {
  $('#logout').addEventListener('click', async () => {
    await api('DELETE', '/session').catch(() => undefined);
    state.csrf = null;
    loginPage();
  });
  if (location.pathname === '/login') {
    const token = location.hash.slice(1);
    history.replaceState(null, '', '/');
    try {
      await api('POST', '/session', { token });
    } catch (error) {
      loginPage();
      return show(error.message);
    }
  }
  try {
    const session = await api('GET', '/session');
    state.csrf = session.csrf;
    $('#who').textContent = `logged in as ${session.owner}`;
    $('#logout').hidden = false;
  } catch (error) {
    if (error.status === 401) return loginPage();
    return show(error.message);
  }
  window.addEventListener('hashchange', () => {
    show('');
    route();
  });
  await route();
}

start();
