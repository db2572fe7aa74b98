import { defineCheck } from '../check.ts';

/** Step 4: HTTPS for tracked links, a setting of the reader's account. Account data needs a signed-in reader. */
export default defineCheck({
  id: 'https-enabled',
  step: 'https',
  needs: [],
  async run() {
    return { code: 'sign_in_required' };
  },
});
