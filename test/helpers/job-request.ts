import type { JobRequest } from '../../src/store/jobs.js';

/** A generation job request with nothing but a model and its fields (no shot, no character, no media); `over` replaces any part. */
export function plainJobRequest(model: string, fields: Record<string, unknown>, over: Partial<JobRequest> = {}): JobRequest {
  return {
    model,
    fields,
    media_fields: [],
    input_params: fields,
    character_id: null,
    shot_id: null,
    parent_media_id: null,
    take_kind: null,
    start_frame_used: null,
    end_frame_used: null,
    reference_images_used: [],
    warnings: [],
    ...over,
  };
}
