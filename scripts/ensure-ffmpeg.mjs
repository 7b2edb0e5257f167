#!/usr/bin/env node
// Runs after `npm install`: make sure ffmpeg and ffprobe can be found, because npm alone cannot always bring them
// (ffmpeg-static downloads its binary at install time, which fails where only the npm registry is reachable).
// Order, as at run time: FFMPEG_PATH/FFPROBE_PATH, a bundled ffmpeg-static binary, the system's PATH.
// On Debian/Ubuntu as root (or with password-less sudo) it installs Debian's ffmpeg package; elsewhere it prints how
// to get one. It never fails the install. Set STUDIO_SKIP_FFMPEG_INSTALL=1 to skip the apt-get step.
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

function onPath(bin) {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (dir && fs.existsSync(path.join(dir, bin))) return path.join(dir, bin);
  }
  return undefined;
}

const ffmpeg = process.env.FFMPEG_PATH || onPath('ffmpeg');
const ffprobe = process.env.FFPROBE_PATH || onPath('ffprobe');
if (ffmpeg && ffprobe) {
  console.log(`studio-mcp: ffmpeg found (${ffmpeg}), ffprobe found (${ffprobe})`);
  process.exit(0);
}

const howTo =
  'studio-mcp needs ffmpeg and ffprobe: install them (Debian/Ubuntu: apt-get install -y ffmpeg; macOS: brew install ffmpeg; Windows: winget install ffmpeg) or set FFMPEG_PATH and FFPROBE_PATH.';
const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
const sudoOk = !isRoot && onPath('sudo') && spawnSync('sudo', ['-n', 'true']).status === 0;
if (process.env.STUDIO_SKIP_FFMPEG_INSTALL !== '1' && process.platform === 'linux' && onPath('apt-get') && (isRoot || sudoOk)) {
  const pre = isRoot ? [] : ['sudo', '-n'];
  const run = (args) => execFileSync(pre[0] ?? args[0], pre.length ? [...pre.slice(1), ...args] : args.slice(1), { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  try {
    console.log('studio-mcp: ffmpeg not found; installing Debian\'s ffmpeg package with apt-get (set STUDIO_SKIP_FFMPEG_INSTALL=1 to skip)');
    run(['apt-get', 'update', '-qq']);
    run(['apt-get', 'install', '-y', '-qq', 'ffmpeg']);
    process.exit(0);
  } catch {
    console.warn(`studio-mcp: apt-get could not install ffmpeg. ${howTo}`);
    process.exit(0);
  }
}
console.warn(`studio-mcp: ffmpeg/ffprobe not found. ${howTo}`);
