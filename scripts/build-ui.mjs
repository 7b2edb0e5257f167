#!/usr/bin/env node
// Build the storyboard view (ui/storyboard/*.ts + style.css) into ONE self-contained file, dist/ui/storyboard.html:
// the script and the styles inline, nothing fetched from anywhere (MCP Apps hosts serve it as one `ui://` resource
// under a CSP without remote origins; the `--http` page serves the same file). Beside it, storyboard.csp.json holds
// the sha256 of the inline script and style, which the web page's Content-Security-Policy allows by hash.
//   node scripts/build-ui.mjs [--out=dist/ui]
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, transform } from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const outArg = process.argv.slice(2).find((a) => a.startsWith('--out='));
const outDir = path.resolve(root, outArg ? outArg.slice(6) : 'dist/ui');
const src = path.join(root, 'ui', 'storyboard');

// zod (inside the MCP SDK that ext-apps uses) exports every error-message locale as a namespace, which no bundler
// can drop: 258 KiB of the view. Messages stay English (zod's default, set from `en` directly), so only that one stays.
const englishOnly = {
  name: 'zod-english-only',
  setup(b) {
    b.onLoad({ filter: /[\\/]zod[\\/]v4[\\/]locales[\\/]index\.js$/ }, (args) => ({
      contents: 'export { default as en } from "./en.js";',
      loader: 'js',
      resolveDir: path.dirname(args.path),
    }));
  },
};

const bundle = await build({
  plugins: [englishOnly],
  entryPoints: [path.join(src, 'main.ts')],
  bundle: true,
  minify: true,
  format: 'iife',
  platform: 'browser',
  target: ['chrome110', 'firefox115', 'safari16'],
  legalComments: 'none',
  charset: 'utf8',
  write: false,
  logLevel: 'warning',
});
const script = bundle.outputFiles[0].text.trimEnd();
const style = (await transform(fs.readFileSync(path.join(src, 'style.css'), 'utf8'), { loader: 'css', minify: true })).code.trimEnd();

// An inline script ends at the first `</script` whatever the JS means; esbuild escapes it in strings, this checks.
if (/<\/script/i.test(script) || /<\/style/i.test(style)) throw new Error('build-ui: the bundle contains a closing </script> or </style> tag');
for (const banned of [/\beval\s*\(/, /\bimportScripts\s*\(/]) if (banned.test(script)) throw new Error(`build-ui: the bundle uses ${banned}`);

const html = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Storyboard</title>
<style>${style}</style>
</head>
<body>
<script>${script}</script>
</body>
</html>
`;
const sha = (text) => `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;
fs.mkdirSync(outDir, { recursive: true });
fs.writeFileSync(path.join(outDir, 'storyboard.html'), html);
fs.writeFileSync(path.join(outDir, 'storyboard.csp.json'), `${JSON.stringify({ 'script-src': [sha(script)], 'style-src': [sha(style)] }, null, 2)}\n`);
console.log(`build-ui: ${path.relative(root, path.join(outDir, 'storyboard.html'))} (${(Buffer.byteLength(html) / 1024).toFixed(0)} KiB)`);
