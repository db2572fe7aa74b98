/**
 * The setup steps of the HTTPS link tracking guide, in reading order.
 * Every other part of the product (the guide's step anchors, the checks, the
 * components) refers to a step by one of these ids.
 */
export const STEP_IDS = ['click-tracking', 'branded-link', 'tls', 'https'] as const;

/** One setup step of the guide. */
export type StepId = (typeof STEP_IDS)[number];

/** The fragment of the guide's heading for a step: `#step-<id>`. */
export function stepAnchor(step: StepId): string {
  return `step-${step}`;
}
