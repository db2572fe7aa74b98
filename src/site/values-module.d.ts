/** The configured values of this build, provided by the `tracklight` integration (src/server/integration.ts). */
declare module 'virtual:tracklight/values' {
  import type { PlatformSettings, commandsFor } from './site.ts';

  /** The platform settings with the configured tracking host, probe path, service id and CAs. */
  export const platform: PlatformSettings;
  /** The command lines the guide shows, built from `platform`. */
  export const commands: ReturnType<typeof commandsFor>;
  /** The public site URL the pages were built for. */
  export const siteUrl: string;
  /** Content ids of translations older than their English page (src/site/translation-status.ts). */
  export const outdatedTranslations: readonly string[];
}
