import type { Server, ServerContext } from '@modelcontextprotocol/server';
import { z } from 'zod';
import type { Studio } from '../studio/studio.js';
import { declaresTasks, missingTasksCapability, TaskRegistry, tasksExtension } from './tasks.js';

const TaskIdParams = z.object({ taskId: z.string().min(1) });
// tasks/update carries the answers to input requests; none are ever outstanding here, so they are accepted unread.
const UpdateParams = z.object({ taskId: z.string().min(1), inputResponses: z.record(z.string(), z.unknown()) });

/** The spec requires the extension on every tasks/* request, not only on the call that created the task. */
function requireDeclared(ctx: ServerContext): void {
  if (!declaresTasks(ctx.mcpReq.envelope) && !declaresTasks(ctx.mcpReq._meta)) throw missingTasksCapability();
}

/**
 * Serve the io.modelcontextprotocol/tasks extension on one server instance: declare it and answer tasks/get,
 * tasks/update and tasks/cancel from the studio's task registry. Call before connecting. tools/call decides
 * per request whether to answer with a task (see `TaskRegistry.start`).
 */
export function serveTasks(server: Server, studio: Studio): void {
  const tasks = TaskRegistry.for(studio);
  server.registerCapabilities({ extensions: tasksExtension() });
  server.setRequestHandler('tasks/get', { params: TaskIdParams }, async ({ taskId }, ctx) => {
    requireDeclared(ctx);
    return tasks.get(taskId);
  });
  server.setRequestHandler('tasks/update', { params: UpdateParams }, async ({ taskId }, ctx) => {
    requireDeclared(ctx);
    return tasks.update(taskId);
  });
  server.setRequestHandler('tasks/cancel', { params: TaskIdParams }, async ({ taskId }, ctx) => {
    requireDeclared(ctx);
    return tasks.cancel(taskId);
  });
}
