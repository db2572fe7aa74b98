import type { HastPluginInput } from 'satteri';

/** Matches the whole of `{/* #some-id *\/}`: an MDX comment that names an anchor. */
const ANCHOR_COMMENT = /^\s*\/\*\s*#([a-z0-9]+(?:-[a-z0-9]+)*)\s*\*\/\s*$/;

/**
 * Gives a heading a fixed id written as a trailing MDX comment:
 *
 *     ## Turn on click tracking {/* #step-click-tracking *\/}
 *
 * The id stays the same in every language (links from the checks API and from
 * support depend on it), while the heading text is translated freely. A comment
 * is used because it is valid MDX for every tool that parses the guide.
 */
export function headingAnchors(): HastPluginInput {
  return {
    name: 'tracklight-heading-anchors',
    element: {
      filter: ['h1', 'h2', 'h3', 'h4', 'h5', 'h6'],
      visit(node, ctx) {
        const children = node.children ?? [];
        const index = children.findLastIndex((child) => child.type !== 'text' || child.value.trim() !== '');
        const last = children[index];
        if (last?.type !== 'mdxTextExpression') return;
        const match = ANCHOR_COMMENT.exec(last.value);
        if (!match) return;
        ctx.setProperty(node, 'id', match[1]);
        for (let i = children.length - 1; i >= index; i--) ctx.removeChildAt(node, i);
        const before = children[index - 1];
        if (before?.type === 'text' && before.value !== before.value.trimEnd()) {
          ctx.replaceNode(before, { type: 'text', value: before.value.trimEnd() });
        }
      },
    },
  };
}
