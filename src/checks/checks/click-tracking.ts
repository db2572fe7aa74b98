import { defineCheck } from '../check.ts';

/** Step 1: click tracking on the reader's account. Account data needs a signed-in reader. */
export default defineCheck({
  id: 'click-tracking',
  step: 'click-tracking',
  needs: [],
  async run() {
    return { code: 'sign_in_required' };
  },
});
