import { useCallback, useEffect, useState } from "react";
import type { FlywheelClient, ModelList, RuntimeStats, TrainingRun, TrainingRunSummary } from "../api.ts";
import { formatDuration, formatTime, percent } from "../time.ts";

const REFRESH_MS = 1_500;
const METRICS = ["ndcg@10", "precision@10", "recall@10", "map@10", "coverage@10"] as const;

function Stat({
  label,
  value,
  testId,
  hint,
}: {
  label: string;
  value: string;
  testId: string;
  hint: string;
}) {
  return (
    <div className="stat" title={hint}>
      <div className="stat-value" data-testid={testId}>
        {value}
      </div>
      <div className="stat-label">{label}</div>
    </div>
  );
}

function ms(value: number | null): string {
  return value === null ? "–" : `${value.toFixed(1)} ms`;
}

/**
 * The operator's view: what the local runtime observes (CTR by source and model, coverage, events/s, cache
 * hit ratio, latency), the model registry, and the nightly runs with their steps, with a button that
 * starts one. Runs and models come through the admin API (IAM-authorized, signed by the local proxy).
 */
export function AdminPage({ client }: { readonly client: FlywheelClient }) {
  const [stats, setStats] = useState<RuntimeStats | null>(null);
  const [models, setModels] = useState<ModelList | null>(null);
  const [runs, setRuns] = useState<readonly TrainingRunSummary[]>([]);
  const [selectedRunId, setSelectedRunId] = useState<string | null>(null);
  const [run, setRun] = useState<TrainingRun | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [starting, setStarting] = useState(false);

  const refresh = useCallback(async () => {
    try {
      const [nextStats, nextModels, nextRuns] = await Promise.all([
        client.config.localBase === null ? Promise.resolve(null) : client.stats(),
        client.models(),
        client.trainingRuns(),
      ]);
      setStats(nextStats);
      setModels(nextModels);
      setRuns(nextRuns.runs);
      const shown = selectedRunId ?? nextRuns.runs[0]?.runId ?? null;
      setRun(shown === null ? null : await client.trainingRun(shown));
      setError(null);
    } catch (failure) {
      setError(String(failure));
    }
  }, [client, selectedRunId]);

  useEffect(() => {
    void refresh();
    const timer = setInterval(() => void refresh(), REFRESH_MS);
    return () => clearInterval(timer);
  }, [refresh]);

  async function startRun(): Promise<void> {
    setStarting(true);
    try {
      const started = await client.startTrainingRun();
      setSelectedRunId(started.runId);
    } catch (failure) {
      setError(String(failure));
    } finally {
      setStarting(false);
    }
  }

  const clicks = stats?.ctr.reduce((sum, row) => sum + row.clicks, 0) ?? 0;
  return (
    <section>
      <h2>Admin</h2>
      {error !== null ? <p className="error">{error}</p> : null}
      {stats === null ? (
        <p className="muted">
          Runtime figures are served by the local runtime only; in AWS they are in CloudWatch.
        </p>
      ) : (
        <>
          <div className="stats">
            <Stat
              label="events / s"
              value={stats.events.perSecond.toFixed(1)}
              testId="stat-events-per-second"
              hint="records the stream consumer handled per second, over the last 10 s (impressions included)"
            />
            <Stat
              label="events processed"
              value={String(stats.events.processed)}
              testId="stat-events-processed"
              hint="records the stream consumer handled since start"
            />
            <Stat
              label="clicks attributed"
              value={String(clicks)}
              testId="stat-clicks"
              hint="clicks the stream attributed to a served list (recommendation log counters)"
            />
            <Stat
              label="cache hit ratio"
              value={percent(stats.recommendations.cacheHitRatio)}
              testId="stat-cache-hit-ratio"
              hint="lists served from the L1 cache / lists served"
            />
            <Stat
              label="latency p50"
              value={ms(stats.recommendations.latency.p50Ms)}
              testId="stat-p50"
              hint="recommendation handler time, as the API front measures it"
            />
            <Stat
              label="latency p99"
              value={ms(stats.recommendations.latency.p99Ms)}
              testId="stat-p99"
              hint="recommendation handler time, as the API front measures it"
            />
            <Stat
              label="catalog coverage"
              value={percent(stats.coverage.ratio)}
              testId="stat-coverage"
              hint={`${stats.coverage.recommendedItems} of ${stats.coverage.catalogItems} catalog items recommended at least once`}
            />
            <Stat
              label="lists served"
              value={String(stats.recommendations.served)}
              testId="stat-served"
              hint={Object.entries(stats.recommendations.bySource)
                .map(([source, count]) => `${source}: ${count}`)
                .join(", ")}
            />
          </div>
          <h3>CTR by source and model version</h3>
          <table data-testid="ctr-table">
            <thead>
              <tr>
                <th>source</th>
                <th>model</th>
                <th>impressions</th>
                <th>clicks</th>
                <th>conversions</th>
                <th>CTR</th>
              </tr>
            </thead>
            <tbody>
              {stats.ctr.map((row) => (
                <tr key={`${row.source}/${row.modelVersion ?? ""}`}>
                  <td>{row.source}</td>
                  <td>{row.modelVersion ?? "–"}</td>
                  <td>{row.impressions}</td>
                  <td>{row.clicks}</td>
                  <td>{row.conversions}</td>
                  <td>{percent(row.ctr, 2)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}

      <h3>Model versions</h3>
      <table data-testid="models-table">
        <thead>
          <tr>
            <th>version</th>
            <th>status</th>
            <th>created</th>
            <th>users × items × factors</th>
            {METRICS.map((metric) => (
              <th key={metric}>{metric}</th>
            ))}
          </tr>
        </thead>
        <tbody>
          {(models?.models ?? []).map((model) => (
            <tr key={model.version} className={model.version === models?.activeVersion ? "active" : ""}>
              <td>{model.version}</td>
              <td>{model.status}</td>
              <td>{formatTime(model.createdAt)}</td>
              <td>
                {model.users} × {model.items} × {model.factors}
              </td>
              {METRICS.map((metric) => (
                <td key={metric}>{model.metrics[metric]?.toFixed(3) ?? "–"}</td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>

      <h3>
        Pipeline runs{" "}
        <button type="button" onClick={() => void startRun()} disabled={starting} data-testid="start-run">
          {starting ? "Starting…" : "Start a training run"}
        </button>
      </h3>
      <div className="runs">
        <ul className="run-list" data-testid="runs">
          {runs.map((summary) => (
            <li key={summary.runId}>
              <button
                type="button"
                className={summary.runId === run?.runId ? "selected" : ""}
                onClick={() => setSelectedRunId(summary.runId)}
              >
                <span className={`status-${summary.status.toLowerCase()}`}>{summary.status}</span>{" "}
                {summary.runId}
                <span className="muted"> {formatTime(summary.startedAt)}</span>
              </button>
            </li>
          ))}
        </ul>
        {run === null ? null : (
          <div className="run-detail" data-testid="run-detail">
            <p>
              <strong>{run.runId}</strong>{" "}
              <span className={`status-${run.status.toLowerCase()}`}>{run.status}</span>{" "}
              {formatDuration(run.startedAt, run.stoppedAt)}
              {run.error === undefined ? null : (
                <span className="error">
                  {" "}
                  {run.failedStep}: {run.error} {run.cause}
                </span>
              )}
            </p>
            <table>
              <thead>
                <tr>
                  <th>step</th>
                  <th>type</th>
                  <th>status</th>
                  <th>attempts</th>
                  <th>time</th>
                </tr>
              </thead>
              <tbody>
                {run.steps.map((step) => (
                  <tr key={step.name}>
                    <td>{step.name}</td>
                    <td>{step.type}</td>
                    <td className={`status-${step.status}`}>{step.status}</td>
                    <td>{step.attempts}</td>
                    <td>{formatDuration(step.enteredAt, step.exitedAt)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </div>
      <p className="muted note">
        Runs and models come from the admin API (IAM auth): here through a signing proxy that exists only in
        the local runtime. The figures above are what the local runtime counts; in AWS they come from
        CloudWatch.
      </p>
    </section>
  );
}
