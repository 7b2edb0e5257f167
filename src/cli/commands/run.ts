import { PlanRefused } from '../../plans/errors.js';
import { importDirsOf, loadPlanFile } from '../../plans/load.js';
import { runPlan } from '../../plans/runner.js';
import { PlanStateFile } from '../../plans/state.js';
import { formatSummary } from '../../plans/summary.js';
import { validatePlan, type ValidatedPlan } from '../../plans/validate.js';
import { UsageError, parseOptions, positiveInt } from '../args.js';
import { clientCaller } from '../in-process.js';
import { errorLine, printJson, printLines } from '../output.js';
import { createProgress } from '../progress.js';
import { withClient } from '../with-client.js';

function describe(plan: ValidatedPlan): string[] {
  const shots = plan.scenes.reduce((n, s) => n + s.shots.length, 0);
  const unpriced = plan.estimate.unpriced ? ` (+ ${plan.estimate.unpriced} call(s) without a known price)` : '';
  return [
    `plan '${plan.id}' is valid: ${plan.characters.length} character(s), ${plan.scenes.length} scene(s), ${shots} shot(s)`,
    `estimated cost if everything is made: $${plan.estimate.usd.toFixed(2)}${unpriced}`,
    ...plan.warnings.map((w) => `warning: ${w}`),
  ];
}

/**
 * `studio-mcp run <plan.json|plan.yaml> [--check] [--json] [--concurrency N] [--yes]`: validate the whole plan, then make
 * it through the studio's tools. Progress and log lines go to stderr; the summary (text, or JSON with --json) to
 * stdout. Exit code 0 when the film was rendered, 1 when the plan was refused or a shot failed.
 */
export async function runCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseOptions(
    argv,
    { check: { type: 'boolean' }, json: { type: 'boolean' }, concurrency: { type: 'string' }, yes: { type: 'boolean' } },
    1,
  );
  const file = positionals[0];
  if (!file) throw new UsageError('run needs a plan file (JSON or YAML)');
  const concurrency = positiveInt(values.concurrency, '--concurrency', 4);
  const refused = (err: PlanRefused): number => {
    if (values.json) printJson({ ok: false, refused: true, problems: err.problems, warnings: err.warnings });
    errorLine(err.message);
    return 1;
  };

  let loaded;
  try {
    loaded = loadPlanFile(file);
  } catch (err) {
    if (err instanceof PlanRefused) return refused(err);
    throw err;
  }
  return withClient(async (client, studio) => {
    let plan: ValidatedPlan;
    try {
      plan = validatePlan(loaded, { registry: studio.registry, availability: (cap) => studio.models.availability(cap), checkOnly: values.check === true });
    } catch (err) {
      if (err instanceof PlanRefused) return refused(err);
      throw err;
    }
    if (values.check) {
      if (values.json) printJson({ ok: true, plan_id: plan.id, estimate: plan.estimate, warnings: plan.warnings });
      else printLines(describe(plan));
      return 0;
    }
    const progress = createProgress();
    const state = new PlanStateFile(studio.config.home, plan.id).load();
    let summary;
    try {
      summary = await runPlan(plan, clientCaller(client, { confirmPaid: values.yes === true }), state, {
        concurrency,
        events: { log: (line) => progress.line(line), progress: (f, m) => progress.update(f, m) },
      });
    } finally {
      progress.done();
    }
    if (values.json) printJson(summary);
    else printLines(formatSummary(summary));
    return summary.ok ? 0 : 1;
  }, importDirsOf(loaded));
}
