#!/usr/bin/env node
// Runs after `npm install`: make sure ffmpeg and ffprobe can be found, because npm alone cannot always bring them
// (ffmpeg-static downloads its binary at install time, which fails where only the npm registry is reachable).
// Order, as at run time: FFMPEG_PATH/FFPROBE_PATH, a bundled ffmpeg-static binary, the system's PATH.
// On Debian/Ubuntu as root (or with password-less sudo) it installs Debian's ffmpeg package; elsewhere it prints how
// to get one. It never fails the install. Set STUDIO_SKIP_FFMPEG_INSTALL=1 to skip the apt-get step.
// Then the fonts: title cards draw CJK and emoji through libass's font fallback (src/media/text.ts), which needs a
// font with those glyphs; where none is found it installs fonts-droid-fallback (CJK) and fonts-symbola (emoji) the
// same way (about 3 MB). Set STUDIO_SKIP_FONTS_INSTALL=1 to skip that. Without them cards still render, with boxes.
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

function onPath(bin) {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (dir && fs.existsSync(path.join(dir, bin))) return path.join(dir, bin);
  }
  return undefined;
}

const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
const sudoOk = !isRoot && onPath('sudo') && spawnSync('sudo', ['-n', 'true']).status === 0;
const canApt = process.platform === 'linux' && onPath('apt-get') && (isRoot || sudoOk);
let aptUpdated = false;

/** apt-get install `packages` (after one `apt-get update`); false when it failed. */
function aptInstall(packages) {
  const pre = isRoot ? [] : ['sudo', '-n'];
  const run = (args) =>
    execFileSync(pre[0] ?? args[0], pre.length ? [...pre.slice(1), ...args] : args.slice(1), {
      stdio: 'inherit',
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    });
  try {
    if (!aptUpdated) run(['apt-get', 'update', '-qq']);
    aptUpdated = true;
    run(['apt-get', 'install', '-y', '-qq', ...packages]);
    return true;
  } catch {
    return false;
  }
}

function ensureFfmpeg() {
  const ffmpeg = process.env.FFMPEG_PATH || onPath('ffmpeg');
  const ffprobe = process.env.FFPROBE_PATH || onPath('ffprobe');
  if (ffmpeg && ffprobe) {
    console.log(`studio-mcp: ffmpeg found (${ffmpeg}), ffprobe found (${ffprobe})`);
    return;
  }
  const howTo =
    'studio-mcp needs ffmpeg and ffprobe: install them (Debian/Ubuntu: apt-get install -y ffmpeg; macOS: brew install ffmpeg; Windows: winget install ' +
    'ffmpeg) or set FFMPEG_PATH and FFPROBE_PATH.';
  if (process.env.STUDIO_SKIP_FFMPEG_INSTALL !== '1' && canApt) {
    console.log("studio-mcp: ffmpeg not found; installing Debian's ffmpeg package with apt-get (set STUDIO_SKIP_FFMPEG_INSTALL=1 to skip)");
    if (aptInstall(['ffmpeg'])) return;
    console.warn(`studio-mcp: apt-get could not install ffmpeg. ${howTo}`);
    return;
  }
  console.warn(`studio-mcp: ffmpeg/ffprobe not found. ${howTo}`);
}

// Where Debian's packages put fonts with CJK and with emoji glyphs (the same lists as src/media/fonts.ts).
const CJK_FONTS = [
  '/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc',
  '/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf',
  '/usr/share/fonts/truetype/wqy/wqy-microhei.ttc',
  '/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc',
  '/usr/share/fonts/opentype/unifont/unifont.otf',
];
const EMOJI_FONTS = ['/usr/share/fonts/truetype/ancient-scripts/Symbola_hint.ttf', '/usr/share/fonts/opentype/unifont/unifont_upper.otf'];

function ensureFonts() {
  if (process.platform !== 'linux') return;
  const missing = [
    ...(CJK_FONTS.some((f) => fs.existsSync(f)) ? [] : ['fonts-droid-fallback']),
    ...(EMOJI_FONTS.some((f) => fs.existsSync(f)) ? [] : ['fonts-symbola']),
  ];
  if (missing.length === 0) {
    console.log('studio-mcp: fonts with CJK and emoji glyphs found');
    return;
  }
  const howTo = `title cards will show boxes for CJK/emoji characters until a font has them (Debian/Ubuntu: apt-get install -y ${missing.join(' ')}).`;
  if (process.env.STUDIO_SKIP_FONTS_INSTALL !== '1' && canApt) {
    console.log(`studio-mcp: installing ${missing.join(' ')} with apt-get for CJK and emoji on title cards (set STUDIO_SKIP_FONTS_INSTALL=1 to skip)`);
    if (aptInstall(missing)) return;
  }
  console.warn(`studio-mcp: ${howTo}`);
}

ensureFfmpeg();
ensureFonts();
