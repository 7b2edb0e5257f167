import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';

export const CLI = path.resolve('dist/src/cli.js');

export interface Spawned {
  client: Client;
  pid: number;
  stderr: () => string;
}

/** The built server over stdio, as an MCP client sees it. */
export async function spawnServer(home: string, env: Record<string, string>): Promise<Spawned> {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [CLI],
    env: { PATH: process.env.PATH ?? '', STUDIO_HOME: home, ...env },
    stderr: 'pipe',
  });
  let err = '';
  transport.stderr?.on('data', (d: Buffer) => {
    err = (err + d.toString('utf8')).slice(-20_000);
  });
  const client = new Client({ name: 'reliability', version: '1.0.0' });
  await client.connect(transport);
  return { client, pid: transport.pid as number, stderr: () => err };
}

export async function call(client: Client, name: string, args: Record<string, unknown>): Promise<Record<string, unknown>> {
  const r = (await client.callTool({ name, arguments: args }, undefined, { timeout: 120_000 })) as CallToolResult;
  if (r.isError) throw new Error(`${name}: ${JSON.stringify(r.structuredContent)}`);
  return r.structuredContent as Record<string, unknown>;
}

/** A deterministic PRNG (mulberry32) so a failing crash schedule can be replayed from its seed. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function sha256(file: string): string {
  return createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

export interface StudioCheck {
  integrity: string;
  foreignKeyViolations: number;
  mediaRows: number;
  /** Rows whose file is missing, or whose size or hash differs (a partial file). */
  badMedia: string[];
  /** Rows whose frame links point at rows that do not exist. */
  danglingFrames: string[];
  /** Files under media/ that no row names (committed, then the process died before the row). */
  orphanFiles: number;
  /** Sidecars that exist but do not parse or do not match their row. */
  badSidecars: string[];
  missingSidecars: number;
  jobs: {
    id: string;
    status: string;
    tool: string;
    model: string;
    prompt: string | null;
    attach: boolean;
    operation_id: string | null;
    error: string | null;
  }[];
  /** Generated media rows per job id (must never exceed one per output). */
  generatedPerJob: Map<string, number>;
  /** Generated media ids per job id. */
  mediaByJob: Map<string, string[]>;
  /** shot_audio rows by media id. */
  audioMedia: Set<string>;
}

/** Open the studio database read-only (the server's own recovery is what is under test) and check it. */
export function checkStudio(home: string): StudioCheck {
  const db = new Database(path.join(home, 'studio.db'), { readonly: true, fileMustExist: true });
  try {
    db.pragma('busy_timeout = 10000');
    const integrity = String(db.pragma('integrity_check', { simple: true }));
    const foreignKeyViolations = (db.pragma('foreign_key_check') as unknown[]).length;
    const media = db.prepare(`SELECT id, file_path, bytes, sha256, first_frame_id, last_frame_id, job_id, origin FROM media`).all() as {
      id: string;
      file_path: string;
      bytes: number;
      sha256: string;
      first_frame_id: string | null;
      last_frame_id: string | null;
      job_id: string | null;
      origin: string;
    }[];
    const ids = new Set(media.map((m) => m.id));
    const badMedia: string[] = [];
    const danglingFrames: string[] = [];
    const badSidecars: string[] = [];
    let missingSidecars = 0;
    const named = new Set<string>();
    const generatedPerJob = new Map<string, number>();
    const mediaByJob = new Map<string, string[]>();
    for (const m of media) {
      const abs = path.join(home, m.file_path);
      named.add(path.resolve(abs));
      const sidecar = path.join(path.dirname(abs), `${m.id}.json`); // named by media id (files are content-addressed)
      named.add(path.resolve(sidecar));
      if (!fs.existsSync(abs)) badMedia.push(`${m.id}: file missing (${m.file_path})`);
      else {
        const size = fs.statSync(abs).size;
        if (size !== m.bytes) badMedia.push(`${m.id}: ${size} bytes on disk, row says ${m.bytes}`);
        else if (sha256(abs) !== m.sha256) badMedia.push(`${m.id}: sha256 differs`);
      }
      for (const f of [m.first_frame_id, m.last_frame_id]) if (f && !ids.has(f)) danglingFrames.push(`${m.id} → ${f}`);
      if (fs.existsSync(sidecar)) {
        try {
          const j = JSON.parse(fs.readFileSync(sidecar, 'utf8')) as { media_id?: string; sha256?: string };
          if (j.media_id !== m.id || j.sha256 !== m.sha256) badSidecars.push(`${m.id}: sidecar does not match the row`);
        } catch {
          badSidecars.push(`${m.id}: sidecar is not JSON`);
        }
      } else missingSidecars++;
      if (m.job_id && m.origin === 'generated') {
        generatedPerJob.set(m.job_id, (generatedPerJob.get(m.job_id) ?? 0) + 1);
        mediaByJob.set(m.job_id, [...(mediaByJob.get(m.job_id) ?? []), m.id]);
      }
    }
    let orphanFiles = 0;
    for (const dir of ['media/video', 'media/image', 'media/voice']) {
      const d = path.join(home, dir);
      if (!fs.existsSync(d)) continue;
      for (const f of fs.readdirSync(d)) {
        if (f.endsWith('.tmp')) continue; // an interrupted sidecar write: never named by a row
        if (!named.has(path.resolve(d, f))) orphanFiles++;
      }
    }
    const jobs = (
      db.prepare(`SELECT id, status, tool, model, request, operation_id, error FROM jobs`).all() as {
        id: string;
        status: string;
        tool: string;
        model: string;
        request: string;
        operation_id: string | null;
        error: string | null;
      }[]
    ).map((j) => {
      const req = JSON.parse(j.request) as { input_params?: { prompt?: string; text?: string }; attach_audio?: unknown };
      return {
        id: j.id,
        status: j.status,
        tool: j.tool,
        model: j.model,
        prompt: req.input_params?.prompt ?? req.input_params?.text ?? null,
        attach: Boolean(req.attach_audio),
        operation_id: j.operation_id,
        error: j.error,
      };
    });
    const audioMedia = new Set((db.prepare(`SELECT media_id FROM shot_audio`).all() as { media_id: string }[]).map((r) => r.media_id));
    return {
      integrity,
      foreignKeyViolations,
      mediaRows: media.length,
      badMedia,
      danglingFrames,
      orphanFiles,
      badSidecars,
      missingSidecars,
      jobs,
      generatedPerJob,
      mediaByJob,
      audioMedia,
    };
  } finally {
    db.close();
  }
}

/** ffmpeg/ffprobe processes still running for this studio folder after their server was killed. */
export function strayProcesses(home: string): number[] {
  const out: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmd = fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      if (cmd.includes(home) && /ff(mpeg|probe)/.test(cmd)) out.push(Number(entry));
    } catch {
      // gone already
    }
  }
  return out;
}
