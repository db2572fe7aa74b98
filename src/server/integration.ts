import type { AstroIntegration } from 'astro';

/**
 * Adds the site's server side (API routes and request middleware) from `src/server/`,
 * so the repository root has no `pages/` folder.
 */
export default function tracklight(): AstroIntegration {
  return {
    name: 'tracklight',
    hooks: {
      'astro:config:setup': ({ injectRoute }) => {
        injectRoute({ pattern: '/api/health', entrypoint: './src/server/routes/health.ts', prerender: false });
      },
    },
  };
}
