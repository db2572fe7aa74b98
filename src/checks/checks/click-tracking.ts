import { defineCheck } from '../check.ts';

/** Step 1: click tracking on the reader's account. Account data needs a signed-in reader. */
export default defineCheck({
  id: 'click-tracking',
  step: 'click-tracking',
  needs: [],
  async run({ account }) {
    if (!account) return { code: 'sign_in_required' };
    return { code: account.clickTracking ? 'tracking_on' : 'tracking_off' };
  },
});
