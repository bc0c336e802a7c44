import { context, propagation, trace } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { submitTask } from '../client/index.ts';
import { pool, project, workerFleet } from '../test/support/worker-fleet.ts';
import type { WorkerFleet } from '../test/support/worker-fleet.ts';
import { startTracing } from './start-tracing.ts';
import type { Tracing } from './start-tracing.ts';
import { TRACEPARENT } from './trace-context.ts';

const exporter = new InMemorySpanExporter();
let tracing: Tracing;
let fleet: WorkerFleet;

beforeAll(async () => {
  tracing = await startTracing({
    service: 'fleet-test',
    env: {},
    spanProcessors: [new SimpleSpanProcessor(exporter)],
  });
  fleet = await workerFleet();
});
afterAll(async () => {
  await fleet.close();
  await tracing.stop();
  trace.disable();
  propagation.disable();
  context.disable();
});

const named = (name: string): ReadableSpan[] =>
  exporter.getFinishedSpans().filter((s) => s.name === name);
const parentOf = (s: ReadableSpan) => s.parentSpanContext?.spanId;

describe('a task traced from submit to report', () => {
  it('gives its submit, assign, run and report spans one trace, each the child of the one before', async () => {
    const w = await fleet.startWorker((t) => Promise.resolve({ output: { echo: t.taskId } }));
    const { seq } = await submitTask(
      fleet.f.nc,
      { taskId: 'traced', project, pool, requirements: { models: ['llama'] } },
      { root: fleet.f.log.subjects.root },
    );
    await expect.poll(() => fleet.task('traced')?.status).toBe('completed');
    await expect.poll(() => named('fleet.report').length).toBe(1);

    const [submit, assign, run, report] = [
      'fleet.submit',
      'fleet.assign',
      'fleet.run',
      'fleet.report',
    ].map((n) => {
      const spans = named(n);
      expect(spans, n).toHaveLength(1);
      return spans[0] as ReadableSpan;
    }) as [ReadableSpan, ReadableSpan, ReadableSpan, ReadableSpan];
    const traceId = submit.spanContext().traceId;
    for (const s of [assign, run, report]) expect(s.spanContext().traceId, s.name).toBe(traceId);
    expect(parentOf(assign)).toBe(submit.spanContext().spanId);
    expect(parentOf(run)).toBe(assign.spanContext().spanId);
    expect(parentOf(report)).toBe(run.spanContext().spanId);
    expect(assign.attributes).toMatchObject({
      'fleet.project': project,
      'fleet.task_id': 'traced',
      'fleet.attempt': 1,
    });

    // The context travels in the stored messages' headers: the submission's and the report's.
    const stored = await fleet.f.log.jsm.streams.getMessage(fleet.f.log.stream, { seq });
    expect(stored?.header.get(TRACEPARENT)).toContain(traceId);
    const reportSeq = await fleet.f.log.lastSubjectSeq(
      fleet.f.log.subjects.report(project, pool, w.id),
    );
    const reported = await fleet.f.log.jsm.streams.getMessage(fleet.f.log.stream, {
      seq: reportSeq,
    });
    expect(reported?.header.get(TRACEPARENT)).toBe(
      `00-${traceId}-${report.spanContext().spanId}-01`,
    );
  });
});
