/**
 * What Replicate's published model schemas say about the inputs of the models we ship, so the fake refuses what
 * the real service refuses (422 "Input validation failed") and knows the defaults the provider applies to an
 * omitted input. Keyed by `owner/name` (official models) or by version id (community models run by version).
 * Sources: the audit of 2026-11-30 (docs/capability-audit-2026-11.md), each entry's `source`.
 */

type Input = Record<string, unknown>;

export interface DocumentedModel {
  source: string;
  /** The provider's defaults for inputs a call may omit. */
  defaults: Record<string, unknown>;
  /** A 422 detail line when the input breaks the documented schema, else undefined. */
  check(input: Input): string | undefined;
}

function intIn(input: Input, name: string, min: number, max: number): string | undefined {
  const v = input[name];
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v)) return `- input.${name}: Invalid type. Expected: integer`;
  if (v < min) return `- input.${name}: Must be greater than or equal to ${min}`;
  if (v > max) return `- input.${name}: Must be less than or equal to ${max}`;
  return undefined;
}

function oneOf(input: Input, name: string, values: unknown[]): string | undefined {
  const v = input[name];
  return v === undefined || values.includes(v)
    ? undefined
    : `- input.${name}: ${name} must be one of the following: ${values.map((x) => JSON.stringify(x)).join(', ')}`;
}

const first = (...checks: Array<string | undefined>): string | undefined => checks.find((c) => c !== undefined);

export const SVD_VERSION = '3f0457e4619daac51203dedb472816fd4af51f3149fa7a9e0b5ffcf1b8172438';

export const DOCUMENTED_MODELS: Record<string, DocumentedModel> = {
  // replicate.com/christophy/stable-video-diffusion/versions/92a0c9a9…/api (an identical cog of the pinned version).
  [SVD_VERSION]: {
    source: 'replicate.com/christophy/stable-video-diffusion (identical cog)',
    defaults: {
      frames_per_second: 6,
      video_length: '14_frames_with_svd',
      sizing_strategy: 'maintain_aspect_ratio',
      motion_bucket_id: 127,
      cond_aug: 0.02,
      decoding_t: 14,
    },
    check: (i) =>
      first(
        intIn(i, 'frames_per_second', 5, 30),
        intIn(i, 'motion_bucket_id', 1, 255),
        oneOf(i, 'video_length', ['14_frames_with_svd', '25_frames_with_svd_xt']),
        oneOf(i, 'sizing_strategy', ['maintain_aspect_ratio', 'crop_to_16_9', 'use_image_dimensions']),
      ),
  },
  // replicate.com/bytedance/seedream-4/versions/cf7d4319…/api
  'bytedance/seedream-4': {
    source: 'replicate.com/bytedance/seedream-4/versions/cf7d4319/api',
    defaults: {
      size: '2K',
      aspect_ratio: 'match_input_image',
      max_images: 1,
      sequential_image_generation: 'disabled',
      width: 2048,
      height: 2048,
      enhance_prompt: true,
    },
    check: (i) => {
      const refs = Array.isArray(i.image_input) ? i.image_input.length : 0;
      const max = typeof i.max_images === 'number' ? i.max_images : 1;
      return first(
        refs > 10 ? '- input.image_input: Array must have at most 10 items' : undefined,
        intIn(i, 'max_images', 1, 15),
        refs + max > 15 ? `- input: Total images (input + generated) cannot exceed 15; got ${refs} + ${max}` : undefined,
      );
    },
  },
  // replicate.com/bytedance/seedance-1-pro/versions/a5fd5508…/api
  'bytedance/seedance-1-pro': {
    source: 'replicate.com/bytedance/seedance-1-pro/versions/a5fd5508/api',
    defaults: { duration: 5, resolution: '1080p', aspect_ratio: '16:9', fps: 24, camera_fixed: false },
    check: (i) => first(intIn(i, 'duration', 2, 12), oneOf(i, 'resolution', ['480p', '720p', '1080p']), oneOf(i, 'fps', [24])),
  },
  // replicate.com/minimax/video-01/versions/608bbe11…/api: subject_reference "will use the S2V-01 model", which takes
  // no first frame. The real service ignores first_frame_image then (a silent departure); the fake refuses it so a
  // test notices the studio sending a value that would not be used.
  'minimax/video-01': {
    source: 'replicate.com/minimax/video-01/versions/608bbe11/api',
    defaults: { prompt_optimizer: true },
    check: (i) =>
      i.subject_reference !== undefined && i.first_frame_image !== undefined
        ? '- input: first_frame_image is ignored with subject_reference (S2V-01 has no first frame)'
        : undefined,
  },
  // Models of late 2026 (issue 15, part 7), each from its version page.
  // replicate.com/bytedance/seedance-1.5-pro/versions/78c1986f…/api: no resolution field; audio off by default.
  'bytedance/seedance-1.5-pro': {
    source: 'replicate.com/bytedance/seedance-1.5-pro/versions/78c1986f/api',
    defaults: { duration: 5, aspect_ratio: '16:9', fps: 24, camera_fixed: false, generate_audio: false },
    check: (i) =>
      first(
        intIn(i, 'duration', 2, 12),
        oneOf(i, 'fps', [24]),
        i.last_frame_image !== undefined && i.image === undefined ? '- input: last_frame_image only works if an image start frame is given too' : undefined,
      ),
  },
  // replicate.com/bytedance/seedream-4.5/versions/9fe3b828…/api: 1-14 inputs, no 1K, inputs + outputs ≤ 15.
  'bytedance/seedream-4.5': {
    source: 'replicate.com/bytedance/seedream-4.5/versions/9fe3b828/api',
    defaults: { size: '2K', aspect_ratio: 'match_input_image', width: 2048, height: 2048, sequential_image_generation: 'disabled', max_images: 1 },
    check: (i) => {
      const refs = Array.isArray(i.image_input) ? i.image_input.length : 0;
      const max = typeof i.max_images === 'number' ? i.max_images : 1;
      return first(
        refs > 14 ? '- input.image_input: Array must have at most 14 items' : undefined,
        oneOf(i, 'size', ['2K', '4K', 'custom']),
        intIn(i, 'max_images', 1, 15),
        refs + max > 15 ? `- input: Total images (input + generated) cannot exceed 15; got ${refs} + ${max}` : undefined,
      );
    },
  },
  // replicate.com/minimax/hailuo-02/versions/c43b610e…/api: "10 seconds is only available for 768p resolution".
  'minimax/hailuo-02': {
    source: 'replicate.com/minimax/hailuo-02/versions/c43b610e/api',
    defaults: { duration: 6, resolution: '1080p', prompt_optimizer: true },
    check: (i) =>
      first(
        oneOf(i, 'duration', [6, 10]),
        oneOf(i, 'resolution', ['512p', '768p', '1080p']),
        i.duration === 10 && (i.resolution ?? '1080p') !== '768p' ? '- input: 10 seconds is only available for 768p resolution' : undefined,
      ),
  },
  // replicate.com/kwaivgi/kling-o1/versions/6d5f2d4b…/api: end_image requires start_image; ≤ 7 references without a video.
  'kwaivgi/kling-o1': {
    source: 'replicate.com/kwaivgi/kling-o1/versions/6d5f2d4b/api',
    defaults: { mode: 'pro', aspect_ratio: '16:9', duration: 5, video_reference_type: 'feature', keep_original_sound: true },
    check: (i) =>
      first(
        oneOf(i, 'mode', ['std', 'pro']),
        oneOf(i, 'aspect_ratio', ['16:9', '9:16', '1:1']),
        i.reference_video === undefined ? oneOf(i, 'duration', [5, 10]) : intIn(i, 'duration', 3, 10),
        i.end_image !== undefined && i.start_image === undefined ? '- input: end_image requires start_image to be set' : undefined,
        Array.isArray(i.reference_images) && i.reference_images.length > (i.reference_video === undefined ? 7 : 4)
          ? '- input.reference_images: up to 7 without video, 4 with video'
          : undefined,
      ),
  },
  // google/veo-3.1-fast: third-party copies of the schema only (veo-3.1's fields without reference_images); the
  // default resolution is not known, so the studio always sends it and the fake has no default for it.
  'google/veo-3.1-fast': {
    source: 'third-party copies of replicate.com/google/veo-3.1-fast (unverified)',
    defaults: { aspect_ratio: '16:9', duration: 8, generate_audio: true },
    check: (i) =>
      first(
        i.reference_images !== undefined ? '- input.reference_images: Additional property reference_images is not allowed' : undefined,
        oneOf(i, 'resolution', ['720p', '1080p']),
        oneOf(i, 'aspect_ratio', ['16:9', '9:16']),
      ),
  },
};
