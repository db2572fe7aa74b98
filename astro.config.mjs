// @ts-check
import node from '@astrojs/node';
import starlight from '@astrojs/starlight';
import { satteri } from '@astrojs/markdown-satteri';
import { defineConfig } from 'astro/config';
import starlightLinksValidator from 'starlight-links-validator';
import starlightLlmsTxt from 'starlight-llms-txt';
import starlightVersions from 'starlight-versions';

import { headingAnchors } from './src/markdown/heading-anchors.ts';
import tracklight from './src/server/integration.ts';
import { defaultSiteUrl, resolveBuildValues } from './src/site/build-values.ts';
import { CURRENT_VERSION, LEGACY_VERSION, locales, platform, retiredRedirects } from './src/site/site.ts';

// The same variables the server reads: the server refuses to run with values unlike these.
const values = resolveBuildValues(process.env);

export default defineConfig({
  // Content in ./content, code in ./src: see README "Layout".
  srcDir: '.',
  site: values.SITE_URL ?? defaultSiteUrl(),
  trailingSlash: 'ignore',
  // The server (src/server/serve.ts) mounts Astro's handler behind its own app;
  // each prerendered page's script and style policy goes to dist/_headers.json.
  adapter: node({ mode: 'middleware', staticHeaders: true }),
  security: {
    csp: {
      // Pagefind's search runs WebAssembly.
      scriptDirective: { resources: ["'self'", "'wasm-unsafe-eval'"] },
    },
  },
  redirects: retiredRedirects(),
  markdown: {
    // Headings written `## Title {/* #stable-id */}` keep that id in every language.
    processor: satteri({ hastPlugins: [headingAnchors()] }),
  },
  vite: {
    build: {
      rollupOptions: {
        // MDX modules carry Astro's own "use astro:head-inject" directive, which the
        // bundler reports on every page; it is expected and harmless.
        onwarn(warning, warn) {
          if (warning.code !== 'MODULE_LEVEL_DIRECTIVE') warn(warning);
        },
      },
    },
  },
  integrations: [
    starlight({
      title: `${platform.name} Docs`,
      description: `Set up HTTPS link tracking for ${platform.name}, checked live as you go.`,
      defaultLocale: 'root',
      locales,
      lastUpdated: false,
      customCss: ['./src/styles/site.css'],
      components: {
        Banner: './src/components/overrides/Banner.astro',
        Search: './src/components/overrides/Search.astro',
      },
      routeMiddleware: './src/site/route-middleware.ts',
      // One guide, one entry: its label is the page title in each locale.
      sidebar: [{ slug: 'guides/https-link-tracking' }],
      plugins: [
        starlightVersions({ current: CURRENT_VERSION, versions: [LEGACY_VERSION] }),
        starlightLinksValidator({ errorOnInconsistentLocale: true }),
        starlightLlmsTxt({ projectName: `${platform.name} Docs` }),
      ],
    }),
    tracklight({ values }),
  ],
});
