/**
 * A plan that cannot run, with every problem found (so the author fixes them in one go). Thrown before anything
 * is generated or written to the studio.
 */
export class PlanRefused extends Error {
  constructor(
    readonly problems: string[],
    readonly warnings: string[] = [],
  ) {
    super(`the plan was refused: ${problems.length} problem${problems.length === 1 ? '' : 's'}\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'PlanRefused';
  }
}
