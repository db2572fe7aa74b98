import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { extname, join, relative, sep } from 'node:path';

import type { Context } from 'hono';
import Negotiator from 'negotiator';

import { requestHeader } from './middleware.ts';

/** The encodings files are precompressed in at build, best first. */
export const PRECOMPRESSED = [
  { encoding: 'br', suffix: '.br' },
  { encoding: 'gzip', suffix: '.gz' },
] as const;

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.json': 'application/json',
  '.txt': 'text/plain; charset=utf-8',
  '.xml': 'application/xml',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.webp': 'image/webp',
  '.woff2': 'font/woff2',
  '.wasm': 'application/wasm',
};

/** One file of the built site, held in memory with its precompressed variants. */
interface StaticFile {
  type: string;
  etag: string;
  cacheControl: string;
  /** The page's own script and style policy, from Astro's build (pages only). */
  contentSecurityPolicy?: string;
  identity: Uint8Array<ArrayBuffer>;
  variants: { encoding: string; body: Uint8Array<ArrayBuffer> }[];
  /** The encodings it can be sent in, best first, `identity` last. */
  encodings: string[];
}

/**
 * The policy of every other file. It matters for scripts that run as workers
 * (Pagefind's search worker fetches its index and runs WebAssembly).
 */
const ASSET_POLICY =
  "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

/** Negotiator's encoding choice with its `preferred` order (newer than its published types). */
type EncodingNegotiator = { encoding(available: string[], options: { preferred: string[] }): string | undefined };

/** The built site's files by URL path, read once at start: serving them is a lookup and a write. */
export interface StaticSite {
  /** The file a URL path names (`/guides/x/` and `/guides/x` name `guides/x/index.html`). */
  find(pathname: string): StaticFile | undefined;
  /** The 404 page of the path's language, else the English one. */
  notFoundPage(pathname: string): StaticFile | undefined;
  /** How many files are held. */
  size: number;
}

/** What Astro writes to `_headers.json` with `staticHeaders`: each prerendered page's headers. */
type HeadersJson = { pathname: string; headers: { key: string; value: string }[] }[];

/**
 * Reads the built client folder into memory. Hashed assets (`/_astro/`) are
 * cached for a year as immutable; everything else revalidates with its ETag.
 * Each page gets the script and style policy Astro computed for it, and the
 * directives a `<meta>` cannot carry (`frame-ancestors`) are added here.
 */
export async function loadStaticSite(clientDir: string, headersFile: string): Promise<StaticSite> {
  const policies = new Map<string, string>();
  if (existsSync(headersFile)) {
    for (const entry of JSON.parse(await readFile(headersFile, 'utf8')) as HeadersJson) {
      const policy = entry.headers.find((header) => header.key.toLowerCase() === 'content-security-policy');
      if (policy) policies.set(entry.pathname.replace(/\/$/, '') || '/', policy.value);
    }
  }

  const files = new Map<string, StaticFile>();
  const entries = await readdir(clientDir, { recursive: true, withFileTypes: true });
  const names = new Set(entries.filter((entry) => entry.isFile()).map((entry) => join(entry.parentPath, entry.name)));
  for (const path of names) {
    if (PRECOMPRESSED.some(({ suffix }) => path.endsWith(suffix) && names.has(path.slice(0, -suffix.length)))) continue;
    const urlPath = `/${relative(clientDir, path).split(sep).join('/')}`;
    const identity = new Uint8Array(await readFile(path));
    const variants = [];
    for (const { encoding, suffix } of PRECOMPRESSED) {
      if (names.has(path + suffix)) variants.push({ encoding, body: new Uint8Array(await readFile(path + suffix)) });
    }
    const pagePath = urlPath.endsWith('.html') ? urlPath.replace(/(?:\/index)?\.html$/, '') || '/' : undefined;
    const astroPolicy = pagePath === undefined ? undefined : policies.get(pagePath);
    files.set(urlPath, {
      type: TYPES[extname(path)] ?? 'application/octet-stream',
      etag: `"${createHash('sha256').update(identity).digest('base64url').slice(0, 27)}"`,
      cacheControl: urlPath.startsWith('/_astro/')
        ? 'public, max-age=31536000, immutable'
        : 'public, max-age=0, must-revalidate',
      contentSecurityPolicy: astroPolicy ? completePolicy(astroPolicy, inlineScriptHashes(identity)) : ASSET_POLICY,
      identity,
      variants,
      encodings: [...variants.map(({ encoding }) => encoding), 'identity'],
    });
  }

  const find = (pathname: string) => {
    let path: string;
    try {
      path = decodeURIComponent(pathname);
    } catch {
      return undefined;
    }
    if (path.endsWith('/')) return files.get(`${path}index.html`);
    return files.get(path) ?? files.get(`${path}/index.html`);
  };
  return {
    find,
    notFoundPage(pathname) {
      const language = /^\/([a-z]{2})\//.exec(pathname)?.[1];
      return (language && (find(`/${language}/404.html`) ?? find(`/${language}/404/`))) || find('/404.html');
    },
    size: files.size,
  };
}

/**
 * The hashes of a page's inline scripts. Astro hashes the scripts it bundles,
 * not the `is:inline` ones Starlight writes (theme, sidebar, tabs): without
 * these, the policy would block them.
 */
function inlineScriptHashes(html: Uint8Array): string[] {
  const text = Buffer.from(html).toString('utf8');
  const hashes: string[] = [];
  for (const [, attributes, body] of text.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)) {
    const type = /\btype="([^"]*)"/.exec(attributes!)?.[1];
    if (/\bsrc=/.test(attributes!) || !body || (type && type !== 'module' && type !== 'text/javascript')) continue;
    hashes.push(`'sha256-${createHash('sha256').update(body).digest('base64')}'`);
  }
  return hashes;
}

/**
 * Adds what Astro's per-page policy leaves out: the hashes of Starlight's inline
 * scripts, and the rest of a strict policy, including framing.
 */
function completePolicy(astroPolicy: string, scriptHashes: string[]): string {
  const directives = astroPolicy
    .split(';')
    .map((directive) => directive.trim())
    .filter(Boolean)
    .map((directive) => {
      if (!directive.startsWith('script-src ')) return directive;
      const present = new Set(directive.split(/\s+/));
      return [directive, ...new Set(scriptHashes.filter((hash) => !present.has(hash)))].join(' ');
    });
  const named = new Set(directives.map((directive) => directive.split(/\s+/)[0]));
  const extra = [
    "default-src 'self'",
    "img-src 'self' data:",
    "connect-src 'self'",
    "font-src 'self'",
    // Code blocks colour their tokens with style attributes; attributes cannot run script.
    "style-src-attr 'unsafe-inline'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].filter((directive) => !named.has(directive.split(' ')[0]));
  return [...directives, ...extra].join('; ');
}

/** Writes a static file as the answer, in the best encoding the client accepts, or 304 when its copy is current. */
export function sendStatic(c: Context, file: StaticFile, status: 200 | 404 = 200): Response {
  const headers: Record<string, string> = {
    'content-type': file.type,
    'cache-control': status === 404 ? 'no-store' : file.cacheControl,
    etag: file.etag,
    vary: 'accept-encoding',
  };
  if (file.contentSecurityPolicy) headers['content-security-policy'] = file.contentSecurityPolicy;
  if (status === 200 && requestHeader(c, 'if-none-match') === file.etag) return c.body(null, 304, headers);
  const accepted = requestHeader(c, 'accept-encoding');
  const best =
    accepted && file.variants.length > 0
      ? (new Negotiator({ headers: { 'accept-encoding': accepted } }) as EncodingNegotiator).encoding(file.encodings, {
          preferred: file.encodings,
        })
      : undefined;
  const variant = file.variants.find(({ encoding }) => encoding === best);
  if (variant) headers['content-encoding'] = variant.encoding;
  const body = variant?.body ?? file.identity;
  headers['content-length'] = String(body.length);
  if (c.req.method === 'HEAD') return c.body(null, status, headers);
  return c.body(body, status, headers);
}
