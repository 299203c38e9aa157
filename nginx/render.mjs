#!/usr/bin/env node
// Renders nginx/nginx.conf.template into a concrete nginx configuration.
//
//   node nginx/render.mjs                       rewrite nginx/nginx.conf with the docker-compose values
//   node nginx/render.mjs --check               exit 1 when nginx/nginx.conf is not the rendered template
//   node nginx/render.mjs --out FILE --set KEY=VALUE ...   render other values (list values: comma-separated)
//
// Keys: HTTP_LISTEN, HTTPS_LISTEN, UPSTREAM_SERVERS (lists), SERVER_NAME, SSL_CERTIFICATE,
// SSL_CERTIFICATE_KEY, PID, TEMP_DIR, ACCESS_LOG, ERROR_LOG, MIME_TYPES, ACME_ROOT, and HTTP2:
// `directive` (nginx >= 1.25.1: `http2 on;`), `listen` (older nginx: `listen ... ssl http2`) or `off`.
// Snippets are included relative to the rendered file, so copy nginx/snippets next to it.
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = dirname(fileURLToPath(import.meta.url));
const TEMPLATE = join(HERE, 'nginx.conf.template');
const PRODUCTION = join(HERE, 'nginx.conf');

/** The docker-compose deployment: nginx runs as uid 101 on unprivileged ports, writes only to /tmp. */
export const PRODUCTION_VALUES = {
  HTTP_LISTEN: ['8080'],
  HTTPS_LISTEN: ['8443'],
  UPSTREAM_SERVERS: ['app1:3000', 'app2:3000'],
  SERVER_NAME: '_',
  SSL_CERTIFICATE: '/etc/nginx/certs/fullchain.pem',
  SSL_CERTIFICATE_KEY: '/etc/nginx/certs/privkey.pem',
  PID: '/tmp/nginx.pid',
  TEMP_DIR: '/tmp',
  ACCESS_LOG: '/dev/stdout',
  ERROR_LOG: '/dev/stderr',
  MIME_TYPES: '/etc/nginx/mime.types',
  ACME_ROOT: '/var/www/acme',
  HTTP2: 'directive',
};

const LIST_KEYS = new Set(['HTTP_LISTEN', 'HTTPS_LISTEN', 'UPSTREAM_SERVERS']);
// Values end up inside nginx directives: refuse anything that could end a directive or open a block.
const SAFE_VALUE = /^[A-Za-z0-9_.:/[\]*-]+$/;

function checkValue(key, value) {
  if (!SAFE_VALUE.test(value)) throw new Error(`unsafe value for ${key}: ${JSON.stringify(value)}`);
  return value;
}

export function render(overrides = {}) {
  const values = { ...PRODUCTION_VALUES, ...overrides };
  for (const key of Object.keys(values)) {
    if (!(key in PRODUCTION_VALUES)) throw new Error(`unknown key ${key}`);
    const list = LIST_KEYS.has(key) ? values[key] : [values[key]];
    if (!Array.isArray(list) || list.length === 0) throw new Error(`${key} needs at least one value`);
    list.forEach((item) => checkValue(key, String(item)));
  }
  if (!['directive', 'listen', 'off'].includes(values.HTTP2)) throw new Error('HTTP2 must be directive, listen or off');
  const http2Flag = values.HTTP2 === 'listen' ? ' http2' : '';
  const lines = {
    HTTP_LISTEN: values.HTTP_LISTEN.map((address, i) => `        listen ${address}${i === 0 ? ' default_server' : ''};`).join('\n'),
    HTTPS_LISTEN: values.HTTPS_LISTEN.map(
      (address, i) => `        listen ${address} ssl${http2Flag}${i === 0 ? ' default_server' : ''};`,
    ).join('\n'),
    UPSTREAM_SERVERS: values.UPSTREAM_SERVERS.map((server) => `        server ${server} max_fails=3 fail_timeout=10s;`).join('\n'),
    HTTP2_DIRECTIVE:
      values.HTTP2 === 'directive' ? '        http2 on;' : '        # HTTP/2: see the listen line(s) above (nginx < 1.25.1) or off.',
  };
  const note =
    overrides === undefined || Object.keys(overrides).length === 0
      ? 'GENERATED from nginx.conf.template by `node nginx/render.mjs`: edit the template, then re-render.'
      : 'Rendered from nginx/nginx.conf.template with non-default values (tests or a custom deployment).';
  let text = readFileSync(TEMPLATE, 'utf8').replace('@@GENERATED_NOTE@@', note);
  text = text.replace(/^@@(HTTP_LISTEN|HTTPS_LISTEN|UPSTREAM_SERVERS|HTTP2_DIRECTIVE)@@$/gm, (_m, key) => lines[key]);
  text = text.replace(/@@([A-Z0-9_]+)@@/g, (match, key) => {
    if (!(key in values) || LIST_KEYS.has(key)) throw new Error(`template placeholder ${match} has no value`);
    return String(values[key]);
  });
  return text;
}

function parseArgs(argv) {
  const options = { check: false, out: PRODUCTION, overrides: {} };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--check') options.check = true;
    else if (arg === '--out') options.out = argv[++i];
    else if (arg === '--set') {
      const [key, ...rest] = String(argv[++i]).split('=');
      const value = rest.join('=');
      options.overrides[key] = LIST_KEYS.has(key) ? value.split(',').filter(Boolean) : value;
    } else throw new Error(`unknown argument ${arg}`);
  }
  return options;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  try {
    const options = parseArgs(process.argv.slice(2));
    const text = render(options.overrides);
    if (options.check) {
      const current = readFileSync(PRODUCTION, 'utf8');
      if (current !== text) {
        console.error('nginx/nginx.conf differs from the rendered template: run `node nginx/render.mjs`');
        process.exit(1);
      }
      console.log('nginx/nginx.conf matches the template');
    } else {
      writeFileSync(options.out, text);
      console.log(`wrote ${options.out}`);
    }
  } catch (error) {
    console.error(`render.mjs: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(2);
  }
}
