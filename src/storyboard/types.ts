/**
 * The storyboard as the App and the web page see it: the `structuredContent` of `storyboard_show` and of the
 * app-only `storyboard_get`. Kept small on purpose (hosts copy structuredContent into the model's context): no
 * bytes, only ids and `studio://` URIs that the view reads through the host (frames, previews) when it needs them.
 * Every string here may hold hostile text (prompts, names, lines come from agents and imports): views render them
 * as text only.
 */
export interface Storyboard {
  kind: 'scene' | 'film';
  /** scene_id or film_id. */
  id: string;
  title: string;
  scenes: StoryboardScene[];
  /** The film's render when kind is 'film' and one exists. */
  render: StoryboardRender | null;
  /** Sum of the shots' estimates (USD), null when any paid shot has no price. */
  estimated_cost_usd: number | null;
  /** Changes whenever anything shown changes (a hash), so a view can poll cheaply and redraw only on change. */
  version: string;
  /** The web page for this storyboard when `--http` is on (`http://host:port/studio/scene/{id}`), else null. */
  web_url: string | null;
}

export interface StoryboardScene {
  scene_id: string;
  title: string;
  shots: StoryboardShot[];
  render: StoryboardRender | null;
}

export interface StoryboardRender {
  media_id: string;
  uri: string;
  preview_uri: string;
  duration_seconds: number;
  /** True when the edit changed after this render (it no longer shows the current takes). */
  stale: boolean;
}

export interface StoryboardShot {
  shot_id: string;
  /** 0-based position in its scene. */
  position: number;
  title: string | null;
  prompt: string | null;
  model: string | null;
  /** Planned duration in seconds (the shot's), else the current take's. */
  duration_seconds: number | null;
  estimated_cost_usd: number | null;
  current_take_id: string | null;
  approved_take_id: string | null;
  /** First and last frame of what the film shows for this shot (current take or its lip-sync). */
  first_frame: StoryboardFrame | null;
  last_frame: StoryboardFrame | null;
  takes: StoryboardTake[];
  lines: StoryboardLine[];
  /** The cut into this shot. */
  continuity: StoryboardContinuity;
  /** A generation job running or queued for this shot, else null. */
  job: StoryboardJob | null;
}

export interface StoryboardFrame {
  /** A JPEG thumbnail (≤ 360 px high), read through the host with resources/read. */
  thumb_uri: string;
  /** The frame at full size (PNG). */
  full_uri: string;
  /** Alt text for the image (from the shot's prompt or title). */
  alt: string;
}

export interface StoryboardTake {
  take_id: string;
  /** 1-based number of the take in its shot (what `shot_select_take` takes). */
  take_number: number;
  media_id: string;
  uri: string;
  preview_uri: string;
  origin: string;
  model: string | null;
  duration_seconds: number | null;
  created_at: string;
  current: boolean;
  approved: boolean;
  /** This take is a lip-sync of another take. */
  lipsync: boolean;
}

export interface StoryboardLine {
  line_id: string;
  character_id: string | null;
  character_name: string | null;
  text: string;
  start_seconds: number;
  end_seconds: number | null;
}

export interface StoryboardContinuity {
  /** 'first': first shot of the scene; 'cut': the shot does not continue; 'ok': it starts on the previous shot's
   * last frame; 'stale': it continues but the previous shot changed since (regenerate it). */
  state: 'first' | 'cut' | 'ok' | 'stale';
  /** One sentence a person reads, e.g. the call that mends a stale cut. */
  detail: string;
}

export interface StoryboardJob {
  job_id: string;
  state: string;
  progress: string | null;
}
