/**
 * Model-written text made inert for Slack mrkdwn. Slack's control sequences all sit inside
 * `<…>` (`<!channel>`, `<!here>`, `<@U123>`, `<#C123>`, `<!subteam^S123>`, `<https://x|label>`),
 * so escaping `&`, `<`, `>` as Slack documents (https://api.slack.com/reference/surfaces/formatting#escaping)
 * leaves none of them. Bare `@channel` only pings with `link_names`, which Airlock never sets,
 * and `verbatim: true` on the text objects stops Slack from auto-linking URLs and names.
 *
 * @example
 * escapeSlack('<!channel> see <https://evil|docs>'); // '&lt;!channel&gt; see &lt;https://evil|docs&gt;'
 */
export function escapeSlack(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Cuts at `max` UTF-16 units without splitting a surrogate pair, marking the cut. */
export function clip(text: string, max: number): string {
  if (text.length <= max) return text;
  let end = max - 1;
  const code = text.charCodeAt(end - 1);
  if (code >= 0xd800 && code <= 0xdbff) end -= 1;
  return `${text.slice(0, end)}…`;
}
