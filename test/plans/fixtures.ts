import fs from 'node:fs';
import path from 'node:path';

type Json = Record<string, unknown>;

/** A small offline plan: one scene of three 1 s shots at 360p, the second continuing from the first. */
export function smallPlan(over: { shots?: Json[]; characters?: Json[]; id?: string } = {}): Json {
  const fast = { resolution: '360p', fps: 12 };
  return {
    id: over.id ?? 'small',
    film: { title: 'Small', settings: { width: 640, height: 360, fps: 12 } },
    characters: over.characters ?? [{ id: 'mara', name: 'Mara', voice_id: 'mara-warm', style_tokens: 'red scarf' }],
    scenes: [
      {
        id: 'one',
        title: 'One',
        shots: over.shots ?? [
          { id: 'a', prompt: 'Mara at the window', character: 'mara', duration: 1, params: fast },
          { id: 'b', prompt: 'Mara turns around', character: 'mara', duration: 1, params: fast, use_last_frame: true },
          { id: 'c', prompt: 'The sea at night', duration: 1, params: fast, dialogue: [{ text: 'Hello sea', character: 'mara' }], lipsync: true },
        ],
      },
    ],
  };
}

/** Write a plan as JSON into `dir` and return its path. */
export function writePlan(dir: string, plan: Json, name = 'plan.json'): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, JSON.stringify(plan, null, 2));
  return file;
}
