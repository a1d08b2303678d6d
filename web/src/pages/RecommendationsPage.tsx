import { useCallback, useEffect, useRef, useState } from "react";
import type { ClientEventType, FlywheelClient, RecommendationList, RecommendedItem } from "../api.ts";
import { titleOf, useCatalog } from "../catalog.ts";
import { ItemLink } from "../components/ItemLink.tsx";
import { SourceBadge } from "../components/SourceBadge.tsx";
import { sleep } from "../time.ts";

/** How long the page waits for the stream to turn an event into a new list before it says so. */
const CHANGE_DEADLINE_MS = 3_000;
const POLL_INTERVAL_MS = 150;

interface Action {
  readonly label: string;
  readonly type: ClientEventType;
  readonly value?: number;
}

/** What each button sends (event types: layers/domain/interactions/event-types.ts). */
const ACTIONS: readonly Action[] = [
  { label: "Click", type: "click" },
  // A like is an explicit top rating: `rate` carries the rating as its weight.
  { label: "Like", type: "rate", value: 5 },
  { label: "Dismiss", type: "dismiss" },
];

interface Loaded {
  readonly list: RecommendationList;
  readonly latencyMs: number;
}

/** The same items in the same order (a list served again from the cache is not a change). */
function sameItems(a: RecommendationList, b: RecommendationList): boolean {
  return a.items.map((item) => item.itemId).join() === b.items.map((item) => item.itemId).join();
}

export function RecommendationsPage({
  client,
  userId,
}: {
  readonly client: FlywheelClient;
  readonly userId: string;
}) {
  const [loaded, setLoaded] = useState<Loaded | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [status, setStatus] = useState<string>("");
  const [busy, setBusy] = useState(false);
  const current = useRef<RecommendationList | null>(null);
  const catalog = useCatalog(
    client,
    (loaded?.list.items ?? []).flatMap((item) => [
      item.itemId,
      ...(item.reason === undefined ? [] : [item.reason.itemId]),
    ]),
  );

  const load = useCallback(async (): Promise<RecommendationList> => {
    const startedAt = performance.now();
    const list = await client.recommendations(userId);
    const latencyMs = performance.now() - startedAt;
    current.current = list;
    setLoaded({ list, latencyMs });
    setError(null);
    return list;
  }, [client, userId]);

  useEffect(() => {
    setLoaded(null);
    setStatus("");
    load().catch((failure: unknown) => setError(String(failure)));
  }, [load]);

  async function act(item: RecommendedItem, action: Action): Promise<void> {
    const before = current.current;
    if (before === null) return;
    setBusy(true);
    try {
      const sentAt = performance.now();
      await client.sendEvents([
        {
          userId,
          itemId: item.itemId,
          type: action.type,
          ...(action.value === undefined ? {} : { value: action.value }),
          recommendationId: before.recommendationId,
          context: { surface: "web-recommendations" },
        },
      ]);
      setStatus(`${action.label} on ${titleOf(catalog, item.itemId)} sent; waiting for the stream…`);
      // The stream consumer folds the event into the user's vector and drops their cached list within
      // a second or so: poll until the list the API serves is a different one.
      while (performance.now() - sentAt < CHANGE_DEADLINE_MS) {
        await sleep(POLL_INTERVAL_MS);
        const next = await load();
        if (!sameItems(before, next)) {
          setStatus(
            `${action.label} on ${titleOf(catalog, item.itemId)}: the list changed ${Math.round(performance.now() - sentAt)} ms after the event`,
          );
          return;
        }
      }
      setStatus(`${action.label} sent; the list has not changed yet (is the stream consumer running?)`);
    } catch (failure) {
      setError(String(failure));
    } finally {
      setBusy(false);
    }
  }

  if (error !== null) return <p className="error">{error}</p>;
  if (loaded === null) return <p className="muted">Loading recommendations for {userId}…</p>;
  const { list, latencyMs } = loaded;
  return (
    <section>
      <header className="list-header">
        <h2>Recommended for {userId}</h2>
        <div className="list-meta" data-testid="list-meta">
          <SourceBadge source={list.source} />
          <span title="model version">{list.modelVersion ?? "no model"}</span>
          <span data-testid="latency">{latencyMs.toFixed(0)} ms</span>
          <button type="button" onClick={() => void load()} disabled={busy}>
            Refresh
          </button>
        </div>
      </header>
      <p className="status" data-testid="status" aria-live="polite">
        {status}
      </p>
      {list.items.length === 0 ? (
        <p className="muted">Nothing to recommend yet.</p>
      ) : (
        <ol className="cards" data-testid="recommendations" data-recommendation-id={list.recommendationId}>
          {list.items.map((item) => {
            const entry = catalog.get(item.itemId);
            return (
              <li key={item.itemId} className="card" data-testid="rec-item" data-item-id={item.itemId}>
                <div className="card-title">
                  <ItemLink itemId={item.itemId} title={titleOf(catalog, item.itemId)} />
                </div>
                <div className="card-meta">
                  {entry?.categories.map((category) => (
                    <span key={category} className="tag">
                      {category}
                    </span>
                  ))}
                  <span className="score" title="the tier's own score, comparable within this list">
                    score {item.score.toFixed(3)}
                  </span>
                </div>
                <div className="reason">
                  {item.reason === undefined ? (
                    <span className="muted">{list.source === "popular" ? "trending now" : "\u00a0"}</span>
                  ) : (
                    <>
                      because of{" "}
                      <ItemLink itemId={item.reason.itemId} title={titleOf(catalog, item.reason.itemId)} />
                    </>
                  )}
                </div>
                <div className="actions">
                  {ACTIONS.map((action) => (
                    <button
                      key={action.label}
                      type="button"
                      disabled={busy}
                      data-testid={`${action.type}-button`}
                      onClick={() => void act(item, action)}
                    >
                      {action.label}
                    </button>
                  ))}
                </div>
              </li>
            );
          })}
        </ol>
      )}
    </section>
  );
}
