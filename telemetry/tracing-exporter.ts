/** Which exporter a process's traces go to: OTLP over HTTP, the console, or none. */
export type TracingExporter = 'otlp' | 'console' | 'none';

/**
 * The exporter the OpenTelemetry environment variables ask for; exporting is off unless one is
 * configured: `OTEL_SDK_DISABLED=true` turns it off; else `OTEL_TRACES_EXPORTER` (`otlp`,
 * `console`, `none`) chooses; else an OTLP endpoint (`OTEL_EXPORTER_OTLP_ENDPOINT` or
 * `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`) means OTLP. The spec's default of `otlp` without any
 * endpoint would send every span to localhost:4318: here that is only done when asked.
 */
export const tracingExporter = (
  env: Readonly<Record<string, string | undefined>>,
): TracingExporter => {
  const set = (name: string) => (env[name] ?? '').trim();
  if (set('OTEL_SDK_DISABLED').toLowerCase() === 'true') return 'none';
  const chosen = set('OTEL_TRACES_EXPORTER').toLowerCase().split(',')[0]?.trim() ?? '';
  if (chosen === 'otlp' || chosen === 'console' || chosen === 'none') return chosen;
  if (set('OTEL_EXPORTER_OTLP_ENDPOINT') !== '' || set('OTEL_EXPORTER_OTLP_TRACES_ENDPOINT') !== '')
    return 'otlp';
  return 'none';
};
