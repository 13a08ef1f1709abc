import { Hono, type Context as HonoContext } from 'hono';
import { decodeQueryCursor, heal, ValidationError, type Context } from '@vigil/core';
import { requireScope } from '../auth';
import type { ApiEnv } from '../env';
import { HttpError, success } from '../errors';

const MAX_PAGE = 500;

/** An execution as the API shows it: the runbook snapshot with its header values redacted. */
function redactExecution(e: heal.Execution) {
  const { leaseUntil: _lease, ...rest } = e;
  return { ...rest, document: heal.redactRunbook(e.document) };
}

function executionIdParam(id: string): string {
  if (!heal.EXECUTION_ID_RE.test(id)) throw ValidationError.single('id', 'not an execution ID');
  return id;
}

/**
 * Runbooks (`/v1/runbooks`) and their executions (`/v1/runbooks/executions`). Runbooks are
 * configuration (`config:read` / `config:write`); executions are read with `alerts:read`, and
 * deciding one needs `config:write` — whoever may write a runbook may already set
 * `approval: none`, so approving grants nothing more.
 */
export function runbookRoutes(ctx: Context) {
  const app = new Hono<ApiEnv>();
  const runbooks = heal.runbooksOf(ctx);
  const executions = new heal.ExecutionRepository(ctx.store);

  // Executions first: "executions" is reserved as a runbook name for this reason.
  app.get('/v1/runbooks/executions', requireScope('alerts:read'), async (c) => {
    const limitText = c.req.query('limit');
    const limit = limitText === undefined ? 100 : Number(limitText);
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE) throw ValidationError.single('limit', `must be an integer from 1 to ${MAX_PAGE}`);
    const cursor = c.req.query('cursor');
    if (cursor !== undefined) {
      try {
        decodeQueryCursor(cursor);
      } catch {
        throw ValidationError.single('cursor', 'not a cursor this API returned');
      }
    }
    const page = await executions.list(c.get('principal').tenant, { limit, cursor });
    return c.json(success({ executions: page.executions.map(redactExecution), ...(page.cursor ? { cursor: page.cursor } : {}) }));
  });

  app.get('/v1/runbooks/executions/:id', requireScope('alerts:read'), async (c) => {
    const tenant = c.get('principal').tenant;
    const id = executionIdParam(c.req.param('id'));
    const stored = await executions.get(tenant, id);
    if (!stored) throw new HttpError(404, 'not_found', `no execution ${id}`);
    return c.json(success({ execution: redactExecution(stored.execution), audit: await executions.audit(tenant, id) }));
  });

  for (const decision of ['approve', 'reject'] as const) {
    app.post(`/v1/runbooks/executions/:id/${decision}`, requireScope('config:write'), async (c) => {
      const principal = c.get('principal');
      const id = executionIdParam(c.req.param('id'));
      const result = await heal.decideExecution(ctx, principal.tenant, id, decision, principal.keyName);
      if (!result.ok && result.reason === 'not_found') throw new HttpError(404, 'not_found', `no execution ${id}`);
      if (!result.ok) throw new HttpError(409, 'conflict', `execution ${id} is ${result.status}, not awaiting approval`);
      return c.json(success({ execution: redactExecution(result.execution) }), decision === 'approve' ? 202 : 200);
    });
  }

  app.get('/v1/runbooks', requireScope('config:read'), async (c) => {
    const list = await runbooks.list(c.get('principal').tenant);
    return c.json(success({ runbooks: list.map((r) => ({ ...heal.redactRunbook(r.document), updatedAt: new Date(r.updatedAt).toISOString() })) }));
  });

  app.get('/v1/runbooks/:name', requireScope('config:read'), async (c) => {
    const stored = await runbooks.get(c.get('principal').tenant, c.req.param('name'));
    if (!stored) throw new HttpError(404, 'not_found', `no runbook ${c.req.param('name')}`);
    return c.json(success({ runbook: heal.redactRunbook(stored.document), updatedAt: new Date(stored.updatedAt).toISOString() }));
  });

  const save = async (c: HonoContext<ApiEnv>, nameInPath?: string) => {
    const tenant = c.get('principal').tenant;
    const { document } = heal.parseRunbookText(await c.req.text());
    if (nameInPath !== undefined && nameInPath !== document.name) {
      throw ValidationError.single('name', `must equal the name in the path (${JSON.stringify(nameInPath)})`);
    }
    const previous = await runbooks.get(tenant, document.name);
    const restored = heal.restoreSecrets(document, previous?.document);
    const { created } = await runbooks.put(tenant, restored, ctx.clock.now());
    return c.json(success({ runbook: heal.redactRunbook(restored) }), created ? 201 : 200);
  };
  app.post('/v1/runbooks', requireScope('config:write'), (c) => save(c));
  app.post('/v1/runbooks/:name', requireScope('config:write'), (c) => save(c, c.req.param('name')));

  app.delete('/v1/runbooks/:name', requireScope('config:write'), async (c) => {
    const deleted = await runbooks.delete(c.get('principal').tenant, c.req.param('name'));
    if (!deleted) throw new HttpError(404, 'not_found', `no runbook ${c.req.param('name')}`);
    return c.json(success());
  });

  return app;
}
