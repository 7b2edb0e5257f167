import type { Capability } from '../capabilities/types.js';
import { StudioError } from '../errors.js';
import type { DownloadedOutput } from '../jobs/queue.js';
import type { Job, JobResult } from '../store/jobs.js';
import type { Store } from '../store/index.js';
import type { StudioEvents } from './events.js';
import type { CapabilityRegistry } from '../capabilities/registry.js';
import { dialogueWarnings, refitShot } from './dialogue-fit.js';
import type { MediaLibrary } from './library.js';
import { reportNewTake } from './take-report.js';

/**
 * Turn a finished job's downloaded files into library items: the media row with its full metadata, frames for
 * videos, a new take when the job was for a shot, a dialogue line when a voice was made for a shot.
 * Idempotent per job: a job that crashed while ingesting returns what it already made and completes the rest.
 */
export async function ingestJobOutputs(
  deps: { store: Store; library: MediaLibrary; events: StudioEvents; registry: CapabilityRegistry },
  job: Job,
  cap: Capability,
  outputs: DownloadedOutput[],
  providerRequestId: string | null,
): Promise<JobResult> {
  const { store, library, events, registry } = deps;
  const req = job.request;
  // What an earlier run of this job already ingested before the process died, by output index: it is reused, and
  // only what is missing is done now (the next output, the dialogue line), so nothing is repeated or dropped.
  const done = new Map<number, string>();
  const existing = await store.media.generatedByJob(job.job_id);
  existing.forEach((r, n) => {
    // The position stands in for an index an older record does not carry.
    const index = typeof r.extra['output_index'] === 'number' ? r.extra['output_index'] : n;
    if (!done.has(index)) done.set(index, r.media_id);
  });
  if (!outputs.length && !done.size) throw new StudioError('provider_error', `${cap.id} finished without any output`, { model: cap.id });

  const mediaIds: string[] = outputs.length ? [] : [...done.values()];
  const outputWarnings: string[] = [];
  let takeId: string | null = null;
  let takeNumber: number | null = null;
  const firstDone = done.get(0);
  if (firstDone && req.shot_id && req.take_kind) {
    const take = (await store.shots.takes(req.shot_id)).find((t) => t.media_id === firstDone);
    takeId = take?.take_id ?? null;
    takeNumber = take?.take_number ?? null;
  }
  for (const [i, out] of outputs.entries()) {
    const already = done.get(i);
    if (already) {
      mediaIds.push(already);
      continue;
    }
    const wantTake = i === 0 && req.shot_id !== null && req.take_kind !== null;
    const rec = await library.addFile(
      out.tmpPath,
      out.mime,
      {
        origin: 'generated',
        provider: cap.provider,
        model: cap.id,
        input_params: req.input_params,
        character_id: req.character_id,
        shot_id: req.shot_id,
        start_frame_used: req.start_frame_used,
        end_frame_used: req.end_frame_used,
        reference_images_used: req.reference_images_used,
        job_id: job.job_id,
        provider_request_id: providerRequestId,
        parent_media_id: req.parent_media_id,
        extra: {
          // The adapter's facts about the output first, so they can never overwrite the studio's own keys below.
          ...(out.meta ?? {}),
          output_index: i,
          lipsync: cap.task.startsWith('lipsync'),
          warnings: req.warnings,
          // Music and effects are audio media (type 'voice') told apart from speech by their role.
          ...(cap.task === 'music_generate' ? { audio_role: 'music' } : cap.task === 'sfx_generate' ? { audio_role: 'sfx' } : {}),
        },
      },
      {
        expectType: cap.media_type,
        expectFrom: cap.id,
        keepUnreadable: true,
        ...(wantTake && req.shot_id && req.take_kind ? { takeFor: { shotId: req.shot_id, kind: req.take_kind } } : {}),
      },
    );
    mediaIds.push(rec.media_id);
    const unreadable = rec.extra['unreadable_media'];
    if (typeof unreadable === 'string') {
      outputWarnings.push(
        `${cap.id} returned a file that is not readable ${cap.media_type} (${unreadable}); it was kept as ${rec.media_id} because it was paid for, but it ` +
          `cannot be used in renders`,
      );
    }
    if (wantTake && req.shot_id) {
      const shot = await store.shots.get(req.shot_id);
      takeId = shot?.current_take_id ?? null;
      takeNumber = rec.take_number ?? null;
      events.changed(`studio://scenes/${shot?.scene_id ?? ''}`);
    }
  }
  let audioId: string | null = null;
  if (req.attach_audio && mediaIds[0]) {
    const a = req.attach_audio;
    const first = mediaIds[0];
    // The line is added after the media row commits: after a crash in between, the resumed job adds it now.
    audioId =
      (await store.shots.audio(a.shot_id)).find((l) => l.media_id === first)?.audio_id ??
      (await store.shots.addAudio(a.shot_id, first, a.offset_seconds, a.gain_db, a.text)).audio_id;
    outputWarnings.push(...(await refitShot(store, registry, a.shot_id, a.fit === 'extend')));
    const shot = await store.shots.get(a.shot_id);
    if (shot) {
      outputWarnings.push(...(await dialogueWarnings(store, shot)));
      events.changed(`studio://scenes/${shot.scene_id}`);
    }
  }
  // A new take changes what the shots after it start on, and may leave the shot's lip-sync behind.
  const report = takeId && req.shot_id ? await reportNewTake(store, req.shot_id) : undefined;
  if (report) outputWarnings.push(...report.warnings);
  return {
    media_ids: mediaIds,
    take_id: takeId,
    take_number: takeNumber,
    audio_id: audioId,
    ...(outputWarnings.length ? { warnings: outputWarnings } : {}),
    ...(report?.stale_shots.length ? { stale_shots: report.stale_shots } : {}),
  };
}
