/**
 * Hostile text the storyboard must show as text. Each payload that ran as markup or script would set
 * window.__pwned (in the page or the App's frame); the tests check it stays undefined everywhere.
 */
export const HOSTILE_NAME = `<img src=x onerror="window.__pwned='name'"></script><script>window.__pwned='name2'</script>`;
export const HOSTILE_TITLE = `</script><script>window.__pwned='title'</script><a href="javascript:window.__pwned='link'">click</a>`;
const LONG_WORD = 'W'.repeat(10_000);
/** The prompt carries every payload and one unbroken 10,000-character line (longer than any tool allows: an import). */
export const HOSTILE_PROMPT =
  `<img src=x onerror="window.__pwned='prompt'"> </script><script>window.__pwned='prompt2'</script> ` +
  `<a href="javascript:window.__pwned='prompt3'">javascript:window.__pwned='prompt4'</a> ${LONG_WORD}`;
export const HOSTILE_LINE = `<svg onload="window.__pwned='line'"></svg> javascript:window.__pwned='line2'`;
