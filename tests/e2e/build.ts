/**
 * Builds the site for the end-to-end tests: with the `SITE_URL` the suite's
 * server runs with and the lab's platform values, because the server refuses a
 * build made for other values. Then, into a folder of its own, the same site as
 * it is when the English guide has changed since its translations.
 */
import { buildSiteForLab, buildSiteWithOutdatedTranslations } from '../support/build-site.ts';
import { E2E_ORIGIN } from './origin.ts';

buildSiteForLab(E2E_ORIGIN);
buildSiteWithOutdatedTranslations(E2E_ORIGIN);
