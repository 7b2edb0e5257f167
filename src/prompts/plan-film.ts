import { modelsBrief } from './models-brief.js';
import type { PromptDef } from './types.js';

/** From a logline to characters, scenes and shots in the studio, with models chosen for reasons the agent states. */
export const planFilm: PromptDef = {
  name: 'plan_film',
  title: 'Plan a film from a logline',
  description:
    'Turn a logline into characters, scenes and shots in the studio, choosing a model for each shot from the models that can run here (and saying why).',
  arguments: [
    { name: 'logline', description: 'One or two sentences: who wants what, and what stands in the way.', required: true },
    { name: 'style', description: 'Look and feel, e.g. "moody 35mm, muted colours" (becomes style tokens).', required: false },
    { name: 'length', description: 'Target running time, e.g. "60 s" or "3 minutes" (default: about a minute).', required: false },
  ],
  render(studio, args) {
    const style = args.style ? `Style: ${args.style}.` : 'Style: propose one in a few words and use it consistently.';
    const length = args.length ?? 'about a minute';
    return `Plan a short film and set it up in the studio (studio-mcp). Do not generate any video yet.

Logline: ${args.logline}
${style}
Target length: ${length}.

## Models in this studio
${modelsBrief(studio)}

Prefer available models. A model that is not available is refused when called; name it only if the user will set its key.

## Frames versus reference images (do not blur them)
- Reference images are identity guidance: what a character looks like. A character's reference images are injected
  automatically on models that take reference images. They are never used as a start or end frame.
- A start frame is continuity: the exact first picture of the shot, normally the previous shot's last frame
  (\`use_last_frame: true\`). An end frame fixes the last picture (only on models with an end frame).
- Some models take reference images OR frames, never both (Veo: reference images exclude start/end frames). On such a
  model a continuing shot (use_last_frame) keeps the look from the frame; the studio then skips the character's
  reference images and says so in a warning. Pick a model that takes reference images for a character's first
  appearance, and one with a start frame for shots that must continue a movement.

## Steps
1. Write the plan first and show it: characters (name, look, voice), scenes (title, purpose), and per scene its
   shots in order (prompt, character, duration, model, whether it continues from the previous shot, dialogue).
   For every shot say in one line why that model (frames vs references, duration range, sound, price).
2. Reference images for each character: \`image_generate(prompt: "<character sheet description>", aspect_ratio: "1:1")\`
   (or \`media_import(path: "<file>")\` for an existing picture). Keep each media_id.
3. \`character_create(name: "<name>", reference_images: ["<media_id>"], voice_id: "<voice>", style_tokens: "<style>")\`.
4. \`film_create(title: "<title>")\`, then for each scene \`scene_create(film_id: "<film_id>", title: "<scene title>")\`.
5. For each shot in order \`shot_create(scene_id: "<scene_id>", prompt: "<what we see>", model: "<model id>", character_id: "<character_id>", duration: 4)\`.
   Pick the model from video_generate's \`model\` enum; \`video_get_capabilities(model: "<model id>")\` shows its exact fields, ranges and rules.
6. Finish with a table: scene, shot id, model, continues from previous (yes/no), dialogue. Then the user can shoot
   each scene (prompt \`shoot_scene\` with the scene_id).

Keep shots short (the models' durations above), one idea per shot, and the total near the target length.`;
  },
};
