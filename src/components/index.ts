/**
 * Everything the guide's MDX imports, from one place:
 * `import { DnsRecord, platform, commands } from '~/components';`
 */
export { default as DashboardLabel } from './DashboardLabel.astro';
export { default as DnsRecord } from './DnsRecord.astro';
export { default as SetupPanel } from './SetupPanel.astro';
export { default as StepStatus } from './StepStatus.astro';
export { default as TabKey } from './TabKey.astro';
export { commands, platform } from 'virtual:tracklight/values';
