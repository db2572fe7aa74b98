import { readFileSync } from 'node:fs';
import { BlockList, isIP } from 'node:net';

import { z } from 'zod';

import shipped from '../data/cdn-ranges.json' with { type: 'json' };

/** A file of CDN address ranges: the shipped `data/cdn-ranges.json`, or one named by `CHECKS_CDN_RANGES_FILE`. */
export const CdnRangesSchema = z.object({
  /** The day the ranges were copied from the providers' published lists. */
  updated: z.iso.date(),
  providers: z.array(
    z.object({
      /** A stable id such as `cloudflare`, used in evidence and by the guide's CDN tabs. */
      id: z.string().regex(/^[a-z0-9-]+$/),
      /** The provider's name, as readers know it. */
      name: z.string().min(1),
      /** The provider's published address blocks, in CIDR notation. */
      ranges: z.array(z.string().regex(/^[0-9a-f.:]+\/\d{1,3}$/i)),
    }),
  ),
});

/** A CDN provider an address belongs to. */
export interface CdnProvider {
  id: string;
  name: string;
}

/** Finds the CDN, if any, whose published ranges contain an address. */
export interface CdnMatcher {
  /** The provider owning `address`, or undefined. */
  providerOf(address: string): CdnProvider | undefined;
  /** The day the ranges were published. */
  updated: string;
}

/** Builds a matcher from the shipped ranges, or from a replacement file. */
export function loadCdnRanges(file?: string): CdnMatcher {
  const data = CdnRangesSchema.parse(file ? JSON.parse(readFileSync(file, 'utf8')) : shipped);
  const providers = data.providers.map((provider) => {
    const list = new BlockList();
    for (const range of provider.ranges) {
      const [network, bits] = range.split('/') as [string, string];
      list.addSubnet(network, Number(bits), isIP(network) === 6 ? 'ipv6' : 'ipv4');
    }
    return { provider: { id: provider.id, name: provider.name }, list };
  });
  return {
    updated: data.updated,
    providerOf(address) {
      const type = isIP(address) === 6 ? 'ipv6' : 'ipv4';
      return providers.find(({ list }) => list.check(address, type))?.provider;
    },
  };
}
